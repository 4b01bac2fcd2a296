// Control commands to producers: the runtime hub (with Ack and redelivery) and the Server-Sent-Events stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, ingest, ev, waitFor, producer as connectProducer, connect, createUser, login, getJson } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

async function intervene(tenant, sessionId, body) {
  const r = await fetch(`${engine.url}/api/v1/sessions/${sessionId}/interventions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

test('A producer receives control commands, acknowledges them, and gets the unacknowledged ones again on reconnect', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('s'), ev.received('s')]);
  const first = await connectProducer(engine, tenant.key);
  const pause = await intervene(tenant, 's', { type: 'pause', reason: 'Reviewing' });
  const got = await waitFor(first.controls, (c) => c.args[0].interventionId === pause.interventionId, 'the pause command');
  assert.deepEqual(got.args[0], { interventionId: pause.interventionId, sessionId: 's', agentId: 'bot', type: 'pause', content: null, target: null });
  await first.connection.invoke('Ack', pause.interventionId);
  await assert.rejects(first.connection.invoke('Ack', pause.interventionId), /No pending control command/);

  const override = await intervene(tenant, 's', { type: 'override', reason: 'Tone', content: 'We are sorry, a specialist will help you.' });
  await waitFor(first.controls, (c) => c.args[0].interventionId === override.interventionId, 'the override command');
  await first.connection.stop(); // not acknowledged

  const second = await connectProducer(engine, tenant.key);
  try {
    const again = await waitFor(second.controls, (c) => c.args[0].interventionId === override.interventionId, 'the override, again');
    assert.equal(again.args[0].content, 'We are sorry, a specialist will help you.');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!second.controls.some((c) => c.args[0].interventionId === pause.interventionId), 'an acknowledged command is not sent again');

    const silent = await intervene(tenant, 's', { type: 'cobrowse_start', reason: 'Quality review' });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!second.controls.some((c) => c.args[0].interventionId === silent.interventionId), 'silent monitoring tells nobody');
  } finally {
    await second.connection.stop();
  }
});

/** Reads Server-Sent Events from the control stream until `count` events arrived. */
async function readEvents(tenant, count, lastEventId) {
  const controller = new AbortController();
  const headers = { 'X-Api-Key': tenant.key };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  const response = await fetch(`${engine.url}/api/v1/control`, { headers, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /text\/event-stream/);
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = block.match(/^id: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (id && data) events.push({ id: Number(id), data: JSON.parse(data) });
      }
      if (events.length >= count) break;
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

test('The control stream as Server-Sent Events resumes after Last-Event-ID and forgets acknowledged commands', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('a'), ev.received('a'), ev.started('b'), ev.received('b')]);
  const one = await intervene(tenant, 'a', { type: 'system_message', reason: 'Notice', content: 'Hello from support' });
  const two = await intervene(tenant, 'b', { type: 'transfer', reason: 'Human needed', target: { queue: 'tier2' } });

  const all = await readEvents(tenant, 2);
  assert.deepEqual(all.map((e) => e.data.interventionId), [one.interventionId, two.interventionId]);
  assert.deepEqual(all[1].data.target, { queue: 'tier2' });

  const resumed = await readEvents(tenant, 1, all[0].id);
  assert.deepEqual(resumed.map((e) => e.data.interventionId), [two.interventionId]);

  const ack = await fetch(`${engine.url}/api/v1/control/${two.interventionId}/ack`, { method: 'POST', headers: { 'X-Api-Key': tenant.key } });
  assert.equal(ack.status, 204);
  const unknown = await fetch(`${engine.url}/api/v1/control/int_nothing/ack`, { method: 'POST', headers: { 'X-Api-Key': tenant.key } });
  assert.equal(unknown.status, 404);

  // Live: a stream that is open receives a new command as it is issued.
  const live = readEvents(tenant, 2);
  await new Promise((r) => setTimeout(r, 300));
  const three = await intervene(tenant, 'a', { type: 'pause', reason: 'Check' });
  const received = await live;
  assert.deepEqual(received.map((e) => e.data.interventionId), [one.interventionId, three.interventionId]);
});

test('Guidance reaches the producer over the runtime hub; a watcher sees it as an intervention, never as a message', async () => {
  const tenant = await newTenant(engine);
  const note = 'Offer the 10% loyalty discount before a refund.';
  await ingest(engine, tenant, [ev.started('g', { ownerId: 'bob' }), ev.received('g', 'I want a refund'), ev.started('hers', { ownerId: 'alice' }), ev.received('hers')]);
  await createUser(engine, tenant, { username: 'alice', password: 'alice-password', name: 'Alice', role: 'agent', agentId: 'alice' });
  const runtime = await connectProducer(engine, tenant.key);
  const supervisor = await connect(engine, tenant.token);
  const alice = await connect(engine, await login(engine, tenant.id, 'alice', 'alice-password'));
  try {
    await supervisor.connection.invoke('Subscribe', {});
    await supervisor.connection.invoke('WatchSession', 'g');
    await alice.connection.invoke('Subscribe', {});
    await assert.rejects(alice.connection.invoke('WatchSession', 'g'), /not found/);

    const guide = await intervene(tenant, 'g', { type: 'guide', reason: 'Retention policy', content: note });
    const got = await waitFor(runtime.controls, (c) => c.args[0].interventionId === guide.interventionId, 'the guide command');
    assert.deepEqual(got.args[0], { interventionId: guide.interventionId, sessionId: 'g', agentId: 'bot', type: 'guide', content: note, target: null });
    await runtime.connection.invoke('Ack', guide.interventionId);
    await assert.rejects(runtime.connection.invoke('Ack', guide.interventionId), /No pending control command/);

    // The watcher: the note as an intervention with its author; nothing said in the conversation.
    const pushed = await waitFor(supervisor.received, (x) => x.name === 'intervention' && x.args[0].interventionId === guide.interventionId, 'the intervention push');
    assert.equal(pushed.args[0].type, 'guide');
    assert.equal(pushed.args[0].content, note);
    assert.equal(pushed.args[0].adminId, guide.adminId);
    // A message ingested after it is pushed: every push of the intervention's turn has arrived by then.
    await ingest(engine, tenant, [ev.received('g', 'Hello?')]);
    await waitFor(supervisor.received, (x) => x.name === 'message' && x.args[1].text === 'Hello?', 'the next message');
    assert.deepEqual(supervisor.received.filter((x) => x.name === 'message').map((x) => x.args[1].text), ['Hello?']);
    assert.equal(JSON.stringify(alice.received).includes(note), false, 'an agent who may not see the session received the note');
    assert.equal(JSON.stringify(alice.received).includes(guide.interventionId), false);

    // Acknowledged: a producer that connects now is not sent it again.
    const again = await connectProducer(engine, tenant.key);
    try {
      const pause = await intervene(tenant, 'g', { type: 'pause', reason: 'Check' });
      await waitFor(again.controls, (c) => c.args[0].interventionId === pause.interventionId, 'a later command');
      assert.deepEqual(again.controls.map((c) => c.args[0].type), ['pause']);
    } finally {
      await again.connection.stop();
    }
  } finally {
    await runtime.connection.stop();
    await supervisor.connection.stop();
    await alice.connection.stop();
  }
});

test('Takeover over the runtime hub: the producer is told who answers, the AI is refused as taken over, the holder is not; handback carries its note', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('t'), ev.received('t', 'I want a person')]);
  await createUser(engine, tenant, { username: 'sue', password: 'sue-password', name: 'Sue', role: 'supervisor' });
  const sue = { ...tenant, token: await login(engine, tenant.id, 'sue', 'sue-password') };
  const runtime = await connectProducer(engine, tenant.key);
  const watcher = await connect(engine, tenant.token);
  try {
    await watcher.connection.invoke('Subscribe', {});
    const takeover = await intervene(sue, 't', { type: 'takeover', reason: 'Escalation' });
    const told = await waitFor(runtime.controls, (c) => c.args[0].interventionId === takeover.interventionId, 'the takeover command');
    assert.deepEqual(told.args[0], { interventionId: takeover.interventionId, sessionId: 't', agentId: 'bot', type: 'takeover', content: null,
      target: { userId: takeover.adminId, name: 'Sue' } });
    await runtime.connection.invoke('Ack', takeover.interventionId);

    // The AI's reply and its tokens are refused, typed; the holder's reply goes through.
    await assert.rejects(runtime.connection.invoke('Publish', [ev.sent('t', 'The AI answers')]), /taken_over: Session 't' is taken over by Sue/);
    await assert.rejects(runtime.connection.invoke('Publish', [ev.delta('t', 'm1', 'The', 0)]), /taken_over:/);
    const human = { ...ev.sent('t', 'Sue here'), sender: { kind: 'human', id: takeover.adminId } };
    assert.deepEqual(await runtime.connection.invoke('Publish', [human]), { accepted: 1, duplicates: 0 });

    // Dashboards see who holds it on the card.
    const card = await waitFor(watcher.received, (x) => x.name === 'sessionUpserted' && x.args[0].sessionId === 't' && x.args[0].heldBy, 'the held card');
    assert.equal(card.args[0].heldBy.userId, takeover.adminId);
    assert.equal(card.args[0].heldBy.name, 'Sue');

    const handback = await intervene(sue, 't', { type: 'handback', reason: 'Resolved', content: 'Refund approved; confirm the date.' });
    const back = await waitFor(runtime.controls, (c) => c.args[0].interventionId === handback.interventionId, 'the handback command');
    assert.equal(back.args[0].type, 'handback');
    assert.equal(back.args[0].content, 'Refund approved; confirm the date.');
    assert.deepEqual(await runtime.connection.invoke('Publish', [ev.sent('t', 'The AI again')]), { accepted: 1, duplicates: 0 });
    const texts = (await getJson(engine, tenant, '/api/v1/sessions/t')).messages.map((m) => m.text);
    assert.deepEqual(texts.filter((t) => !t.startsWith('A member') && !t.startsWith('Our assistant')), ['I want a person', 'Sue here', 'The AI again']);
  } finally {
    await runtime.connection.stop();
    await watcher.connection.stop();
  }
});

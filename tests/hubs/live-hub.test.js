// /hubs/live through the official JavaScript client against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, ingest, getJson, connect, waitFor, ev, login, signalR, createUser, PROTOCOLS } from './engine.js';

let engine;
before(async () => { engine = await startEngine({ Auth__TokenLifetime: '00:00:08' }); });
after(async () => { await engine?.stop(); });

for (const protocol of PROTOCOLS) test(`Subscribe answers the same picture as the HTTP queries (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('a', { channel: 'whatsapp' }), ev.received('a'), ev.started('b'), ev.sent('b')]);
  const { connection } = await connect(engine, tenant.token, { protocol });
  try {
    const snapshot = await connection.invoke('Subscribe', {});
    const summary = await getJson(engine, tenant, '/api/v1/live/summary');
    const { asOf: _a, ...expected } = summary;
    const { asOf: _b, ...actual } = snapshot.summary;
    assert.deepEqual(actual, expected);
    assert.deepEqual(snapshot.hourly, await getJson(engine, tenant, '/api/v1/live/hourly'));
    assert.deepEqual(snapshot.agents, await getJson(engine, tenant, '/api/v1/live/agents'));
    assert.equal(snapshot.sessions.total, 2);
    assert.deepEqual(snapshot.sessions.items.map((c) => c.sessionId).sort(), ['a', 'b']);
    assert.deepEqual(snapshot.activity.map((e) => e.type), ['session_started', 'session_started']);

    const filtered = await connection.invoke('Subscribe', { channels: ['whatsapp'] });
    assert.deepEqual(filtered.sessions.items.map((c) => c.sessionId), ['a']);
    assert.equal(filtered.summary.activeConversations, 1);
  } finally {
    await connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`Every kind of figure, card and activity change is pushed (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const { connection, received } = await connect(engine, tenant.token, { protocol });
  try {
    await connection.invoke('Subscribe', {});
    await ingest(engine, tenant, [ev.started('s1'), ev.received('s1', 'Where is my parcel?')]);

    const card = await waitFor(received, (r) => r.name === 'sessionUpserted' && r.args[0].sessionId === 's1', 'the new card');
    assert.equal(card.args[0].preview, 'Where is my parcel?');
    const summary = await waitFor(received, (r) => r.name === 'summary' && r.args[0].activeConversations === 1, 'the summary');
    assert.equal(summary.args[0].waitingForFirstResponse, 1);
    await waitFor(received, (r) => r.name === 'hourly' && r.args[0].hours.reduce((a, b) => a + b, 0) === 1, 'the hourly chart');
    await waitFor(received, (r) => r.name === 'agents' && r.args[0].agents.some((a) => a.id === 'bot'), 'the agents panel');
    await waitFor(received, (r) => r.name === 'metrics' && r.args[0].liveSessions === 1, 'the metrics bar');
    await waitFor(received, (r) => r.name === 'activity' && r.args[0].type === 'session_started', 'the activity entry');
  } finally {
    await connection.stop();
  }
});

test('Figure pushes are merged: a burst of events is at most one push per 250 ms', async () => {
  const tenant = await newTenant(engine);
  const { connection, received } = await connect(engine, tenant.token);
  try {
    await connection.invoke('Subscribe', {});
    const startedAt = Date.now();
    for (let i = 0; i < 20; i++) await ingest(engine, tenant, [ev.started(`s${i}`), ev.received(`s${i}`)]);
    await waitFor(received, (r) => r.name === 'summary' && r.args[0].activeConversations === 20, 'the last summary');
    const elapsed = Date.now() - startedAt;
    const summaries = received.filter((r) => r.name === 'summary').length;
    assert.ok(summaries <= Math.ceil(elapsed / 250) + 1, `${summaries} summaries in ${elapsed} ms`);
  } finally {
    await connection.stop();
  }
});

test('Cards enter and leave a filter as their state changes', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('s'), ev.received('s')]);
  const { connection, received } = await connect(engine, tenant.token);
  try {
    const snapshot = await connection.invoke('Subscribe', { statuses: ['thinking'] });
    assert.equal(snapshot.sessions.total, 0);

    await ingest(engine, tenant, [ev.thinking('s')]);
    await waitFor(received, (r) => r.name === 'sessionUpserted' && r.args[0].state === 'thinking', 'the card entering');

    await ingest(engine, tenant, [ev.sent('s')]);
    await waitFor(received, (r) => r.name === 'sessionRemoved' && r.args[0] === 's', 'the card leaving');
  } finally {
    await connection.stop();
  }
});

test('Keyword filters follow new messages', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('s'), ev.received('s', 'hello')]);
  const { connection, received } = await connect(engine, tenant.token);
  try {
    const snapshot = await connection.invoke('Subscribe', { q: 'REFUND' });
    assert.equal(snapshot.sessions.total, 0);
    await ingest(engine, tenant, [ev.received('s', 'I want a refund')]);
    await waitFor(received, (r) => r.name === 'sessionUpserted' && r.args[0].sessionId === 's', 'the matching card');
  } finally {
    await connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`A watched session streams its tokens in order, then the message and the states (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('s'), ev.received('s', 'Tell me a story')]);
  const watcher = await connect(engine, tenant.token, { protocol });
  const bystander = await connect(engine, tenant.token, { protocol });
  try {
    const detail = await watcher.connection.invoke('WatchSession', 's');
    assert.equal(detail.sessionId, 's');
    assert.equal(detail.messages.length, 1);
    await bystander.connection.invoke('Subscribe', {});

    await ingest(engine, tenant, [ev.thinking('s')]);
    await waitFor(watcher.received, (r) => r.name === 'sessionState' && r.args[1] === 'thinking', 'thinking');
    const words = ['Once', ' upon', ' a', ' time', ',', ' there', ' was', ' a', ' grain', '.'];
    for (let i = 0; i < words.length; i += 2) {
      await ingest(engine, tenant, [ev.delta('s', 'm-1', words[i], i), ev.delta('s', 'm-1', words[i + 1], i + 1)]);
    }
    await waitFor(watcher.received, (r) => r.name === 'token' && r.args[3] === words.length - 1, 'the last token');
    const tokens = watcher.received.filter((r) => r.name === 'token');
    assert.deepEqual(tokens.map((t) => t.args[3]), words.map((_, i) => i));
    assert.equal(tokens.map((t) => t.args[2]).join(''), words.join(''));
    await waitFor(watcher.received, (r) => r.name === 'sessionState' && r.args[1] === 'streaming', 'streaming');

    await ingest(engine, tenant, [ev.sent('s', words.join(''), 'm-1')]);
    const message = await waitFor(watcher.received, (r) => r.name === 'message' && r.args[1].direction === 'outgoing', 'the final message');
    assert.equal(message.args[1].text, words.join(''));
    await waitFor(watcher.received, (r) => r.name === 'sessionState' && r.args[1] === 'active', 'active again');
    assert.equal(bystander.received.filter((r) => r.name === 'token').length, 0, 'tokens go to watchers only');

    await watcher.connection.invoke('UnwatchSession', 's');
    await ingest(engine, tenant, [ev.received('s', 'after unwatch')]);
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(!watcher.received.some((r) => r.name === 'message' && r.args[1].text === 'after unwatch'));
  } finally {
    await watcher.connection.stop();
    await bystander.connection.stop();
  }
});

test('A tenant never receives another tenant\'s pushes, nor watches its sessions', async () => {
  const acme = await newTenant(engine);
  const globex = await newTenant(engine);
  await ingest(engine, acme, [ev.started('secret'), ev.received('secret', 'acme only')]);
  const spy = await connect(engine, globex.token);
  try {
    await spy.connection.invoke('Subscribe', {});
    await assert.rejects(spy.connection.invoke('WatchSession', 'secret'), /not found/);
    await ingest(engine, acme, [ev.started('more'), ev.received('more', 'acme again'), ev.delta('secret', 'm', 'tok', 0)]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!spy.received.some((r) => r.name === 'sessionUpserted' || r.name === 'activity' || r.name === 'token'),
      `globex received: ${spy.received.map((r) => r.name).join(', ')}`);
    assert.ok(!spy.received.some((r) => r.name === 'summary' && r.args[0].activeConversations > 0));
  } finally {
    await spy.connection.stop();
  }
});

test('A wrong or expired token is refused', async () => {
  await assert.rejects(connect(engine, 'not-a-token'), /401|Unauthorized/);
  const tenant = await newTenant(engine);
  const token = await login(engine, tenant.id, 'boss', 'boss-password');
  await new Promise((r) => setTimeout(r, 9000));
  await assert.rejects(connect(engine, token), /401|Unauthorized/);
});

test('Alerts: a new urgent session, an error, a customer waiting longer than the tenant threshold', async () => {
  const tenant = await newTenant(engine);
  const put = await fetch(`${engine.url}/api/v1/tenant`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` }, body: JSON.stringify({ waitingAlertSeconds: 1 }),
  });
  assert.equal(put.status, 200);
  assert.equal((await put.json()).waitingAlertSeconds, 1);
  const { connection, received } = await connect(engine, tenant.token);
  try {
    await connection.invoke('Subscribe', {});
    await ingest(engine, tenant, [ev.started('urgent', { priority: 'urgent' }), ev.received('urgent', 'My account was hacked')]);
    const urgent = await waitFor(received, (r) => r.name === 'alert' && r.args[0].kind === 'urgent_session', 'the urgent alert');
    assert.equal(urgent.args[0].sessionId, 'urgent');
    assert.equal(urgent.args[0].severity, 'high');

    await ingest(engine, tenant, [ev.error('urgent', 'tool_failed', 'CRM unreachable')]);
    const error = await waitFor(received, (r) => r.name === 'alert' && r.args[0].kind === 'error', 'the error alert');
    assert.match(error.args[0].text, /CRM unreachable/);

    const waiting = await waitFor(received, (r) => r.name === 'alert' && r.args[0].kind === 'waiting', 'the waiting alert', 6000);
    assert.equal(waiting.args[0].sessionId, 'urgent');
    assert.ok(waiting.args[0].id.startsWith('alert_'));
  } finally {
    await connection.stop();
  }
});

test('A watcher sees interventions; a person with role agent sees only the conversations it owns', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('hers', { ownerId: 'alice' }), ev.received('hers'), ev.started('his', { ownerId: 'bob' }), ev.received('his')]);
  await createUser(engine, tenant, { username: 'alice', password: 'alice-password', name: 'Alice', role: 'agent', agentId: 'alice' });
  const alice = await connect(engine, await login(engine, tenant.id, 'alice', 'alice-password'));
  const supervisor = await connect(engine, tenant.token);
  try {
    const snapshot = await alice.connection.invoke('Subscribe', {});
    assert.deepEqual(snapshot.sessions.items.map((c) => c.sessionId), ['hers']);
    assert.equal(snapshot.summary.activeConversations, 1);
    await assert.rejects(alice.connection.invoke('WatchSession', 'his'), /not found/);

    await supervisor.connection.invoke('WatchSession', 'his');
    const r = await fetch(`${engine.url}/api/v1/sessions/his/interventions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` },
      body: JSON.stringify({ type: 'system_message', reason: 'Delay', content: 'One moment please' }),
    });
    assert.equal(r.status, 201);
    const pushed = await waitFor(supervisor.received, (x) => x.name === 'intervention', 'the intervention push');
    assert.equal(pushed.args[0].type, 'system_message');
    await waitFor(supervisor.received, (x) => x.name === 'message' && x.args[1].text === 'One moment please', 'the system message');
    await new Promise((res) => setTimeout(res, 500));
    assert.ok(!alice.received.some((x) => x.name === 'sessionUpserted' && x.args[0].sessionId === 'his'), 'alice never sees bob\'s conversation');
  } finally {
    await alice.connection.stop();
    await supervisor.connection.stop();
  }
});

test('An agent watching a conversation stops receiving its pushes the moment it is reassigned to someone else', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('moved', { ownerId: 'alice' }), ev.received('moved')]);
  await createUser(engine, tenant, { username: 'alice', password: 'alice-password', name: 'Alice', role: 'agent', agentId: 'alice' });
  const alice = await connect(engine, await login(engine, tenant.id, 'alice', 'alice-password'));
  const supervisor = await connect(engine, tenant.token);
  try {
    await alice.connection.invoke('WatchSession', 'moved');
    await supervisor.connection.invoke('WatchSession', 'moved');
    await ingest(engine, tenant, [ev.delta('moved', 'm-1', 'before ', 0)]);
    await waitFor(alice.received, (x) => x.name === 'token' && x.args[2] === 'before ', 'a token while alice owns it');

    const r = await fetch(`${engine.url}/api/v1/sessions/moved/interventions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` },
      body: JSON.stringify({ type: 'reassign', reason: 'Bob takes it', target: { ownerId: 'bob' } }),
    });
    assert.equal(r.status, 201);
    const seen = alice.received.length;
    await ingest(engine, tenant, [ev.delta('moved', 'm-1', 'after', 1), ev.received('moved', 'a customer message after')]);
    // The supervisor still gets them: the pushes flow; alice's stop.
    await waitFor(supervisor.received, (x) => x.name === 'message' && x.args[1].text === 'a customer message after', 'the supervisor\'s push');
    await new Promise((res) => setTimeout(res, 300));
    const late = alice.received.slice(seen).filter((x) => ['token', 'message', 'sessionState'].includes(x.name) && x.args[0] === 'moved');
    assert.deepEqual(late.map((x) => x.name), [], 'no push of the reassigned conversation reaches alice');
    assert.equal((await fetch(`${engine.url}/api/v1/sessions/moved`, { headers: { Authorization: `Bearer ${await login(engine, tenant.id, 'alice', 'alice-password')}` } })).status, 404);
  } finally {
    await alice.connection.stop();
    await supervisor.connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`Long polling works where WebSockets are not available (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const { connection, received } = await connect(engine, tenant.token, { protocol, transport: signalR.HttpTransportType.LongPolling });
  try {
    await connection.invoke('Subscribe', {});
    await ingest(engine, tenant, [ev.started('lp'), ev.received('lp')]);
    await waitFor(received, (r) => r.name === 'sessionUpserted' && r.args[0].sessionId === 'lp', 'a push over long polling');
  } finally {
    await connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`Ping echoes the client time with the server time (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const { connection } = await connect(engine, tenant.token, { protocol });
  try {
    const sent = Date.now();
    const reply = await connection.invoke('Ping', sent);
    assert.equal(reply.clientTime, sent);
    assert.ok(Math.abs(Date.parse(reply.serverTime) - Date.now()) < 5000);
  } finally {
    await connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`Filters past their bounds, with unknown properties or a minimum above the maximum are refused, as saved views and queries refuse them (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const { connection } = await connect(engine, tenant.token, { protocol });
  try {
    await connection.invoke('Subscribe', { channels: ['web'] });
    const refusal = async (filter) => {
      try {
        await connection.invoke('Subscribe', filter);
      } catch (error) {
        return String(error.message);
      }
      assert.fail(`${JSON.stringify(filter).slice(0, 80)} was accepted`);
    };
    const ids = (n) => Array.from({ length: n }, (_, i) => `x${i}`);
    const statuses = await refusal({ statuses: Array(110_000).fill('active') });
    assert.match(statuses, /Invalid filter: filter\.statuses: At most 100 values; this one has 110000\./);
    assert.ok(statuses.length < 500, `the refusal echoes the values (${statuses.length} characters)`);
    assert.match(await refusal({ priorities: Array(101).fill('high') }), /filter\.priorities: At most 100 values; this one has 101\./);
    for (const list of ['teams', 'owners', 'agents', 'channels']) {
      assert.match(await refusal({ [list]: ids(101) }), new RegExp(`filter\\.${list}: At most 100 values; this one has 101\\.`));
    }
    assert.match(await refusal({ channels: ['web'], statusez: ['active'] }),
      /Invalid filter: filter\.statusez is not a filter property; the filter takes teams, owners, channels, agents, priorities, statuses, q, minDurationSec, maxDurationSec\./);
    assert.match(await refusal({ minDurationSec: 600, maxDurationSec: 60 }), /filter\.minDurationSec: Must not be more than filter\.maxDurationSec\./);
    // At the bound it is taken; the refusals left the connection usable.
    assert.equal((await connection.invoke('Subscribe', { teams: ids(100), statuses: ['active', 'paused'] })).sessions.total, 0);
    assert.doesNotMatch(engine.output, /fail: |HubException/);
  } finally {
    await connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`Bad filters and arguments are refused with a message saying what is wrong (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const { connection } = await connect(engine, tenant.token, { protocol });
  try {
    await assert.rejects(connection.invoke('Subscribe', { channels: ['Not A Channel'] }), /filter\.channels/);
    await assert.rejects(connection.invoke('Subscribe', { priorities: ['critical'] }), /filter\.priorities.*one of low, normal, high, urgent/);
    await assert.rejects(connection.invoke('Subscribe', { statuses: ['bogus'] }), /filter\.statuses.*one of active/);
    await assert.rejects(connection.invoke('Subscribe', 'channels=web'), /must be an object/);
    await assert.rejects(connection.invoke('WatchSession', 123), /takes a session id/);
    await assert.rejects(connection.invoke('Ping', 'x'), /takes the client's time as a number/);
    // Expected refusals are answers, not failures of the engine: none is logged as an error.
    for (let i = 0; i < 20; i++) await assert.rejects(connection.invoke('WatchSession', `missing-${i}`), /not found/);
    assert.doesNotMatch(engine.output, /fail: |HubException/);
    // The connection is still usable after its mistakes.
    const snapshot = await connection.invoke('Subscribe', {});
    assert.equal(snapshot.sessions.total, 0);
    assert.equal(typeof (await connection.invoke('Ping', 12.5)).serverTime, 'string');
  } finally {
    await connection.stop();
  }
});

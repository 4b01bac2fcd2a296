// Tenant isolation on both hubs: every method called by tenant B with tenant A's ids is answered as for ids that
// exist nowhere, and no push B receives holds anything of A — while A's sessions, interventions and commands move.
// (The HTTP operations get the same sweep in tests/Api.Tests/TenantIsolationTests.cs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, ingest, ev, connect, producer } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

const SESSION = 'secret-a-session';
// What only A's data holds (B later makes a session of its own with A's session id, so the id alone is no marker).
const MARKERS = ['secret-a-session-2', 'secret-a-agent', 'Secret A Customer', 'secret a text', 'secret a reason'];

async function intervene(tenant, sessionId, body) {
  const r = await fetch(`${engine.url}/api/v1/sessions/${sessionId}/interventions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

/** The error of a rejected call, with the given ids replaced, so A's and unknown ids can be compared. */
async function refusal(call, ...ids) {
  try {
    await call();
  } catch (e) {
    return ids.reduce((m, id, i) => m.replaceAll(id, `{id${i}}`), String(e.message));
  }
  assert.fail('the call was not refused');
}

const leaks = (received) => JSON.stringify(received.map((r) => r.args)).match(new RegExp(MARKERS.join('|'), 'g')) ?? [];

test('Tenant B sees nothing of tenant A through /hubs/live and /hubs/runtime, whatever ids it sends', async () => {
  const a = await newTenant(engine);
  const b = await newTenant(engine);
  await ingest(engine, a, [ev.started(SESSION, { agentId: 'secret-a-agent', user: { id: 'u', name: 'Secret A Customer' } }), ev.received(SESSION, 'secret a text')]);
  const live = await connect(engine, b.token);
  const runtime = await producer(engine, b.key);
  try {
    // Dashboards: a snapshot with everything B may see, and with A's ids as filters.
    const all = await live.connection.invoke('Subscribe', {});
    assert.deepEqual(leaks([{ args: [all] }]), []);
    assert.ok(!JSON.stringify(all).includes(SESSION));
    const byA = await live.connection.invoke('Subscribe', { agents: ['secret-a-agent'], q: 'secret a text' });
    assert.equal(byA.sessions.total, 0);
    await live.connection.invoke('Subscribe', {});
    // Watching A's session is refused exactly as watching a session that exists nowhere.
    assert.equal(await refusal(() => live.connection.invoke('WatchSession', SESSION), SESSION),
      await refusal(() => live.connection.invoke('WatchSession', 'zz-none-session'), 'zz-none-session'));
    await live.connection.invoke('UnwatchSession', SESSION);

    // A's life goes on: messages, a pause (a control command to A's producers), an end.
    const pause = await intervene(a, SESSION, { type: 'pause', reason: 'secret a reason' });
    await ingest(engine, a, [ev.received(SESSION, 'secret a text again'), ev.started('secret-a-session-2', { agentId: 'secret-a-agent' })]);
    // Producers: A's command cannot be acknowledged by B, and is refused as an unknown one is.
    assert.equal(await refusal(() => runtime.connection.invoke('Ack', pause.interventionId), pause.interventionId),
      await refusal(() => runtime.connection.invoke('Ack', 'int_zznone000'), 'int_zznone000'));
    // B's events with A's session id make a session of B's own; A's stays paused.
    await runtime.connection.invoke('Publish', [ev.started(SESSION, { user: { id: 'b', name: 'B customer' } }), ev.ended(SESSION)]);
    await ingest(engine, a, [ev.ended('secret-a-session-2')]);
    await new Promise((r) => setTimeout(r, 1500));

    assert.deepEqual(leaks(live.received), [], 'a push to B held A\'s data');
    assert.deepEqual(runtime.controls, [], 'B\'s producer received A\'s control command');
    const aSession = await (await fetch(`${engine.url}/api/v1/sessions/${SESSION}`, { headers: { Authorization: `Bearer ${a.token}` } })).json();
    assert.equal(aSession.state, 'paused');
    assert.equal(aSession.user.name, 'Secret A Customer');
    // B's pushes did flow meanwhile: B's own session (same id as A's) reached its dashboard.
    assert.ok(live.received.some((r) => r.name === 'sessionUpserted' && r.args[0].user?.name === 'B customer'), 'B saw its own session');
  } finally {
    await live.connection.stop();
    await runtime.connection.stop();
  }
});

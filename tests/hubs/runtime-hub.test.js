// /hubs/runtime: producers publish events over SignalR with the ingest rules of POST /api/v1/events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, getJson, connect, waitFor, ev, producer as connectProducer } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

async function producer(key) {
  return (await connectProducer(engine, key)).connection;
}

test('Publish stores events durably, counts duplicates and reaches dashboards', async () => {
  const tenant = await newTenant(engine);
  const dashboard = await connect(engine, tenant.token);
  const runtime = await producer(tenant.key);
  try {
    await dashboard.connection.invoke('Subscribe', {});
    const batch = [ev.started('rt'), ev.received('rt', 'Hello over SignalR')];
    assert.deepEqual(await runtime.invoke('Publish', batch), { accepted: 2, duplicates: 0 });
    assert.deepEqual(await runtime.invoke('Publish', batch), { accepted: 0, duplicates: 2 });

    const detail = await getJson(engine, tenant, '/api/v1/sessions/rt');
    assert.equal(detail.totalMessages, 1);
    await waitFor(dashboard.received, (r) => r.name === 'sessionUpserted' && r.args[0].sessionId === 'rt', 'the card on the dashboard');
  } finally {
    await runtime.stop();
    await dashboard.connection.stop();
  }
});

test('A batch with a bad event is refused whole, naming the field', async () => {
  const tenant = await newTenant(engine);
  const runtime = await producer(tenant.key);
  try {
    const bad = ev.received('x');
    delete bad.sessionId;
    await assert.rejects(runtime.invoke('Publish', [ev.started('ok'), bad]), /events\[1\]\.sessionId/);
    await assert.rejects(getJson(engine, tenant, '/api/v1/sessions/ok'), /404/);
  } finally {
    await runtime.stop();
  }
});

test('Only a tenant API key opens the runtime hub', async () => {
  await assert.rejects(producer('lo_not_a_key'), /401|Unauthorized/);
  const tenant = await newTenant(engine);
  await assert.rejects(producer(tenant.token), /401|Unauthorized/);
});

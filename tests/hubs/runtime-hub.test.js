// /hubs/runtime: producers publish events over SignalR with the ingest rules of POST /api/v1/events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, getJson, connect, waitFor, ev, producer as connectProducer, PROTOCOLS } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

async function producer(key, protocol = 'json') {
  return (await connectProducer(engine, key, protocol)).connection;
}

for (const protocol of PROTOCOLS) test(`Publish stores events durably, counts duplicates and reaches dashboards (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const dashboard = await connect(engine, tenant.token, { protocol });
  const runtime = await producer(tenant.key, protocol);
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

for (const protocol of PROTOCOLS) test(`A batch with a bad event is refused whole, naming the field (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const runtime = await producer(tenant.key, protocol);
  try {
    const bad = ev.received('x');
    delete bad.sessionId;
    await assert.rejects(runtime.invoke('Publish', [ev.started('ok'), bad]), /events\[1\]\.sessionId/);
    await assert.rejects(getJson(engine, tenant, '/api/v1/sessions/ok'), /404/);
    // A batch past 1 MiB (as JSON) is refused, under MessagePack too, where the same events take fewer bytes.
    const long = Array.from({ length: 500 }, (_, i) => ev.received(`big-${i % 3}`, 'x'.repeat(1990)));
    const size = Buffer.byteLength(JSON.stringify(long));
    assert.ok(size > 1024 * 1024 && size < 1024 * 1024 + 64 * 1024, `${size} bytes: over the batch limit, under the hub's message limit`);
    await assert.rejects(runtime.invoke('Publish', long), /A batch may be at most 1048576 bytes; split it into smaller batches\./);
    await assert.rejects(getJson(engine, tenant, '/api/v1/sessions/big-0'), /404/);
  } finally {
    await runtime.stop();
  }
});

test('Only a tenant API key opens the runtime hub', async () => {
  await assert.rejects(producer('lo_not_a_key'), /401|Unauthorized/);
  const tenant = await newTenant(engine);
  await assert.rejects(producer(tenant.token), /401|Unauthorized/);
});

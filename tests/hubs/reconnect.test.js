// Automatic reconnection after the engine process dies and comes back on the same address.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, ingest, connect, waitFor, ev } from './engine.js';

let engine;
after(async () => { await engine?.stop(); });

test('withAutomaticReconnect brings a dashboard back after the engine restarts', async () => {
  engine = await startEngine();
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('before'), ev.received('before')]);
  const { connection, received } = await connect(engine, tenant.token);
  const reconnected = new Promise((resolve) => connection.onreconnected(resolve));
  try {
    await connection.invoke('Subscribe', {});
    await engine.kill();
    await engine.start();
    await reconnected;
    assert.equal(connection.state, 'Connected');

    // A reconnected client subscribes again (the server keeps no subscription across connections).
    const snapshot = await connection.invoke('Subscribe', {});
    assert.deepEqual(snapshot.sessions.items.map((c) => c.sessionId), ['before']);
    await ingest(engine, tenant, [ev.started('after'), ev.received('after')]);
    await waitFor(received, (r) => r.name === 'sessionUpserted' && r.args[0].sessionId === 'after', 'a push after reconnecting');
  } finally {
    await connection.stop();
  }
});

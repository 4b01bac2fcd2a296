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
  // Retries for up to ~45 s: a cluster restarted whole (the cluster pass) first declares its killed silos dead.
  const { connection, received } = await connect(engine, tenant.token, { reconnectDelays: [0, 200, 500, ...Array(45).fill(1000)] });
  const reconnected = new Promise((resolve, reject) => {
    connection.onreconnected(resolve);
    connection.onclose(() => reject(new Error('the connection gave up reconnecting')));
  });
  try {
    await connection.invoke('Subscribe', {});
    await engine.kill();
    const restarting = Date.now();
    await engine.start();
    await reconnected;
    console.log(`# reconnected ${Date.now() - restarting} ms after the engine was killed`);
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

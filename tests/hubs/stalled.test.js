// A dashboard that stops reading (a stalled WebSocket) while watching a busy session: its pushes wait in a queue
// bounded in bytes (Push:MaxQueuedBytes); the moment one more push would pass the bound the engine closes that
// connection and says so in its log, so what it holds for a stalled browser never exceeds the bound by more than
// one push. Another dashboard watching the same session keeps receiving everything meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startEngine, newTenant, ingest, ev, connect, waitFor } from './engine.js';

let engine;
const maxQueuedBytes = 1024 * 1024;
before(async () => { engine = await startEngine({ Push__MaxQueuedBytes: String(maxQueuedBytes) }); });
after(async () => { await engine?.stop(); });

const RS = '\x1e';

/** A raw SignalR JSON-protocol WebSocket (no client library), so the test decides when it stops reading. */
async function rawWatcher(token, sessionId) {
  const socket = new WebSocket(`${engine.url.replace('http', 'ws')}/hubs/live?access_token=${encodeURIComponent(token)}`);
  let buffer = '';
  const frames = [];
  socket.on('message', (data) => {
    buffer += data.toString();
    const parts = buffer.split(RS);
    buffer = parts.pop();
    frames.push(...parts.map((p) => JSON.parse(p)));
  });
  const closed = new Promise((resolve) => socket.on('close', resolve));
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  socket.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
  socket.send(JSON.stringify({ type: 1, invocationId: '1', target: 'WatchSession', arguments: [sessionId] }) + RS);
  const deadline = Date.now() + 5000;
  while (!frames.some((f) => f.type === 3 && f.invocationId === '1')) {
    if (Date.now() > deadline) throw new Error(`WatchSession did not complete: ${JSON.stringify(frames)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const completion = frames.find((f) => f.type === 3);
  assert.equal(completion.error, undefined, completion.error);
  return { socket, closed };
}

test('A stalled dashboard is closed once its queue passes its byte bound; the engine does not buffer the flood for it', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('busy')]);
  const stalled = await rawWatcher(tenant.token, 'busy');
  const healthy = await connect(engine, tenant.token);
  try {
    await healthy.connection.invoke('WatchSession', 'busy');
    // It stops reading: the kernel's buffers fill, then the engine's queue for it.
    stalled.socket._socket.pause();

    // 36 MB of customer messages (1,200 of 30 KB, ten per batch), far past the socket buffers and the 1 MiB bound.
    const text = 'x'.repeat(30_000);
    // Paced by the healthy dashboard: each batch once it has the previous one, so only the stalled one falls behind.
    const messages = () => healthy.received.filter((x) => x.name === 'message').length;
    for (let batch = 0; batch < 120; batch++) {
      await ingest(engine, tenant, Array.from({ length: 10 }, () => ev.received('busy', text)));
      await waitFor(healthy.received, () => messages() >= (batch + 1) * 10, `batch ${batch} at the healthy dashboard (engine: ${engine.output.split('\n').filter((l) => /fell/.test(l)).join(' | ')})`, 10_000);
    }
    await waitFor(healthy.received, (r) => r.name === 'message' && healthy.received.filter((x) => x.name === 'message').length >= 1200, `all 1,200 messages at the healthy dashboard (engine: ${engine.output.split('\n').filter((l) => /fell|closed|rror/.test(l)).join(' | ')})`, 30_000);
    const deadline = Date.now() + 10_000;
    while (!/fell \d+ bytes behind; it is closed/.test(engine.output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const behind = /Dashboard connection \S+ fell (\d+) bytes behind; it is closed and will reconnect with a fresh snapshot/.exec(engine.output);
    assert.ok(behind, 'the engine did not close the stalled connection');
    // Closed at the push that passed the bound: the bound plus at most one 30 KB message (and its envelope).
    assert.ok(Number(behind[1]) > maxQueuedBytes && Number(behind[1]) <= maxQueuedBytes + 32 * 1024, `closed at ${behind[1]} bytes`);
    // Reading again, the stalled client finds its connection closed by the engine.
    stalled.socket._socket.resume();
    const closedWithin = await Promise.race([stalled.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    assert.ok(closedWithin, 'the stalled connection was not closed');
    assert.equal(healthy.connection.state, 'Connected');
  } finally {
    stalled.socket.terminate();
    await healthy.connection.stop();
  }
});

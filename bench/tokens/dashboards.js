// One dashboard client process of the token benchmark: opens its share of /hubs/live connections, each watching one
// session, and takes every `token` push apart: the delta's text is the producer's send time (process.hrtime in ms,
// CLOCK_MONOTONIC, the same clock in every process of the machine), so latency = arrival − send.
// Counts per session: tokens in order, tokens out of order (an index at or below the last one of the same reply) and
// gaps (indexes skipped). Latencies go into a histogram of 0.1 ms buckets, sent to the coordinator when told to stop.
import { signalR } from '../../tests/hubs/engine.js';

const bucketMs = 0.1;
const buckets = new Uint32Array(600_000); // up to 60 s; later ones in `late`
const late = [];
let inWindow = 0; // tokens sent inside the measured window, delivered in order
let outOfOrder = 0;
let gaps = 0;
let total = 0;
let closed = 0;
let window = { from: Infinity, to: Infinity };
const connections = [];
const sessions = new Map(); // sessionId -> {message, last}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function onToken(sessionId, messageId, delta, index) {
  const at = now();
  total++;
  let s = sessions.get(sessionId);
  if (!s) sessions.set(sessionId, s = { message: null, last: -1 });
  if (s.message === messageId) {
    if (index <= s.last) { outOfOrder++; return; }
    gaps += index - s.last - 1;
  } else {
    s.message = messageId;
    gaps += index; // a reply starts at index 0
  }
  s.last = index;
  const sent = parseFloat(delta);
  if (sent < window.from || sent >= window.to) return;
  inWindow++;
  const latency = at - sent;
  const b = Math.floor(latency / bucketMs);
  if (b < buckets.length) buckets[Math.max(0, b)]++;
  else late.push(latency);
}

async function open(url, token, sessionIds) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${url}/hubs/live`, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None)
    .build();
  connection.on('token', onToken);
  for (const name of ['message', 'sessionState', 'presence', 'intervention', 'alert']) connection.on(name, () => {});
  connection.onclose(() => { closed++; });
  await connection.start();
  for (const id of sessionIds) await connection.invoke('WatchSession', id);
  connections.push(connection);
}

process.on('message', async (message) => {
  if (message.type === 'open') {
    // A few at a time: a thousand handshakes at once time out on a busy core.
    const queue = [...message.dashboards];
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (queue.length > 0) await open(message.url, message.token, queue.shift());
    }));
    process.send({ type: 'ready' });
  } else if (message.type === 'window') {
    window = { from: message.from, to: message.to };
  } else if (message.type === 'count') {
    process.send({ type: 'count', inWindow, total });
  } else if (message.type === 'stop') {
    const closedByEngine = closed;
    await Promise.allSettled(connections.map((c) => c.stop()));
    const histogram = [];
    for (let i = 0; i < buckets.length; i++) if (buckets[i] > 0) histogram.push([i, buckets[i]]);
    process.send({ type: 'result', inWindow, total, outOfOrder, gaps, closedByEngine, histogram, late, bucketMs }, () => process.exit(0));
  }
});

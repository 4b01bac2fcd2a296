// The producer process of the token benchmark: P producer connections on /hubs/runtime (or HTTP clients posting
// /api/v1/events), each streaming replies for its share of the sessions. A reply is `reply` message_delta events
// (index 0, 1, …), then its message_sent, put in front of the next reply's first deltas in the same batch (a delta
// followed in its batch by a logged event of the session is superseded by it, so the deltas come after it).
// Each delta's text is its send time (process.hrtime in ms, CLOCK_MONOTONIC), read back by the dashboards.
// Closed loop (rate 0): each connection keeps `inflight` batches in flight, each `perSession` deltas for each of its
// sessions. At a set rate: every 20 ms each session is owed rate/sessions × the time since its last batch. Either
// way a connection's sessions are split into `inflight` lanes, each sending its batches one after the other, so a
// session's deltas are never in two requests at once (over HTTP they could overtake each other).
import { signalR } from '../../tests/hubs/engine.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const stats = { accepted: 0, acceptedInWindow: 0, watchedInWindow: 0, sentInWindow: 0, refused: 0, refusedInWindow: 0, batches: 0, errors: {} };
let window = { from: Infinity, to: Infinity };
let running = true;
let config;

function sessionState(id) {
  return { id, reply: 0, index: 0, owed: 0 };
}

/** The events of one session's share of a batch: its message_sent when the reply is done, then `count` deltas. */
function share(s, count, timestamp, events) {
  if (s.index >= config.reply) {
    const messageId = `${s.id}-r${s.reply}`;
    events.push({ id: messageId, type: 'message_sent', timestamp, sessionId: s.id, message: { id: messageId, format: 'text', text: 'reply' }, sender: { kind: 'ai' } });
    s.reply++;
    s.index = 0;
  }
  const messageId = `${s.id}-r${s.reply}`;
  let deltas = 0;
  for (let i = 0; i < count && s.index < config.reply; i++) {
    const sent = now();
    events.push({ id: `${messageId}:${s.index}`, type: 'message_delta', timestamp, sessionId: s.id, messageId, delta: `${sent.toFixed(3)} `, index: s.index });
    s.index++;
    deltas++;
  }
  return deltas;
}

/**
 * Sends a batch; counts its deltas accepted or refused, and those sent inside the measured window (counted once the
 * batch is answered: the window's bounds reach this process a moment after it began).
 */
async function send(client, events) {
  stats.batches++;
  let error = null;
  try {
    await client.publish(events);
  } catch (e) {
    error = e;
  }
  let deltas = 0, inWindow = 0, watched = 0;
  for (const e of events) {
    if (e.type !== 'message_delta') continue;
    deltas++;
    const sent = parseFloat(e.delta);
    if (sent >= window.from && sent < window.to) {
      inWindow++;
      if (Number(e.sessionId.slice(1)) < config.dashboards) watched++;
    }
  }
  stats.sentInWindow += inWindow;
  if (error === null) {
    stats.accepted += deltas;
    stats.acceptedInWindow += inWindow;
    stats.watchedInWindow += watched;
  } else {
    stats.refused += deltas;
    stats.refusedInWindow += inWindow;
    const key = String(error.message).slice(0, 120);
    stats.errors[key] = (stats.errors[key] ?? 0) + 1;
  }
}

function batchesOf(sessions, counts) {
  const timestamp = new Date().toISOString();
  const batches = [];
  let events = [];
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i];
    const part = [];
    share(s, counts(s), timestamp, part);
    if (events.length + part.length > config.maxBatch && events.length > 0) { batches.push(events); events = []; }
    events.push(...part);
  }
  if (events.length > 0) batches.push(events);
  return batches;
}

/** A connection's sessions in `inflight` lanes: each lane sends its batches one after the other, so a session's deltas keep their order. */
const lanes = (sessions) => Array.from({ length: config.inflight }, (_, l) => sessions.filter((_, i) => i % config.inflight === l)).filter((l) => l.length > 0);

async function closedLoop(client, sessions) {
  await Promise.all(lanes(sessions).map(async (lane) => {
    while (running) for (const batch of batchesOf(lane, () => config.perSession)) await send(client, batch);
  }));
}

async function atRate(client, sessions) {
  const tick = 20;
  const perSessionPerMs = config.rate / config.sessions / 1000;
  await Promise.all(lanes(sessions).map(async (lane) => {
    let last = now();
    let next = last;
    while (running) {
      // What the lane owes since its last batches (more than a tick when it lagged behind).
      const at = now();
      for (const s of lane) s.owed += perSessionPerMs * (at - last);
      last = at;
      for (const batch of batchesOf(lane, (s) => { const n = Math.floor(s.owed); s.owed -= n; return n; })) await send(client, batch);
      next += tick;
      await sleep(Math.max(0, next - now()));
      if (next < now() - tick) next = now();
    }
  }));
}

async function hubClient(url, key) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${url}/hubs/runtime`, { accessTokenFactory: () => key, transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None)
    .build();
  connection.on('control', () => {});
  await connection.start();
  return { publish: (events) => connection.invoke('Publish', events), stop: () => connection.stop() };
}

function httpClient(url, key) {
  return {
    publish: async (events) => {
      const r = await fetch(`${url}/api/v1/events`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': key }, body: JSON.stringify({ events }),
      });
      const text = await r.text();
      if (r.status !== 202) throw new Error(`${r.status} ${text.slice(0, 100)}`);
    },
    stop: async () => {},
  };
}

let work = [];
let clients = [];
process.on('message', async (message) => {
  if (message.type === 'open') {
    config = message.config;
    clients = await Promise.all(Array.from({ length: config.producers },
      () => (config.http ? httpClient(message.url, message.key) : hubClient(message.url, message.key))));
    process.send({ type: 'ready' });
  } else if (message.type === 'start') {
    const shares = clients.map(() => []);
    for (let i = 0; i < config.sessions; i++) shares[i % clients.length].push(sessionState(`s${i}`));
    work = clients.map((c, i) => (config.rate > 0 ? atRate(c, shares[i]) : closedLoop(c, shares[i])));
  } else if (message.type === 'window') {
    window = { from: message.from, to: message.to };
  } else if (message.type === 'stop') {
    running = false;
    await Promise.all(work);
    await Promise.allSettled(clients.map((c) => c.stop()));
    process.send({ type: 'result', stats }, () => process.exit(0));
  }
});

// One tenant must not slow another's pushes. Tenant B has one dashboard and sends marker sessions (5 a second);
// its ingest-to-push latency is measured twice in each run: while tenant A is quiet, then while A floods —
// 22,000 live sessions, 60 dashboards of three people (20 each, the default per-person cap) each subscribed with a
// different keyword filter (the tenant's work per change grows with its filters), and a steady stream of
// customer messages into its sessions.
// Usage (from the repository root): bash bench/push/run.sh --fairness [baseline commit|none] [seconds] [runs] [flood events/s]
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now, sleep, percentile, median } from './stats.js';
import { startEngine, newTenant, createUser, login, connect } from '../../tests/hubs/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const builds = (process.env.LIVEORLEANS_PUSH_BUILDS ?? `after=${join(here, '../../Api/bin/Release/net10.0/LiveOrleans.Api.dll')}`)
  .split(',').map((b) => { const [label, dll] = b.split('='); return { label, dll }; });
const seconds = Number(process.argv[2] ?? 20);
const runs = Number(process.argv[3] ?? 3);
const floodPerSecond = Number(process.argv[4] ?? 2000);
const floodSessions = 22_000;
const floodDashboards = 60;
const markersPerSecond = 5;
const words = ['refund', 'parcel', 'invoice', 'password', 'delivery', 'broken', 'cancel', 'upgrade', 'discount', 'login'];


async function post(engine, key, events) {
  const r = await fetch(`${engine.url}/api/v1/events`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': key }, body: JSON.stringify({ events }),
  });
  if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
}

let nextId = 0;
const message = (sessionId, text) => {
  const id = `f${++nextId}`;
  return { id, type: 'message_received', timestamp: new Date().toISOString(), sessionId, message: { id, format: 'text', text } };
};

/** Tenant B's markers for `ms` milliseconds; answers the ingest-to-sessionUpserted latencies its dashboard saw. */
async function markers(engine, b, arrivals, prefix, ms) {
  const sentAt = new Map();
  const until = now() + ms;
  let count = 0;
  const pending = [];
  const acks = [];
  while (now() < until) {
    const id = `${prefix}-${count++}`;
    const t = new Date().toISOString();
    const sent = now();
    sentAt.set(id, sent);
    pending.push(post(engine, b.key, [
      { id: `${id}-s`, type: 'session_started', timestamp: t, sessionId: id, channel: 'web', agentId: 'bot', user: { id: 'marker' } },
      { id: `${id}-m`, type: 'message_received', timestamp: t, sessionId: id, message: { id: `${id}-m`, format: 'text', text: 'marker' } },
    ]).then(() => acks.push(now() - sent)));
    await sleep(1000 / markersPerSecond);
  }
  await Promise.all(pending);
  await sleep(2000);
  const latencies = [];
  for (const [id, sent] of sentAt) if (arrivals.has(id)) latencies.push(arrivals.get(id) - sent);
  return { latencies, acks, expected: sentAt.size };
}

async function measure(build) {
  const engine = await startEngine({ Logging__LogLevel__Default: 'Error' }, build.dll);
  const open = [];
  try {
    const a = await newTenant(engine);
    const b = await newTenant(engine);
    // A's sessions, each with a customer message holding one of the keywords.
    for (let i = 0; i < floodSessions; i += 500) {
      const events = [];
      for (let j = i; j < Math.min(floodSessions, i + 500); j++) {
        events.push({ id: `a-s${j}`, type: 'session_started', timestamp: new Date().toISOString(), sessionId: `a${j}`, channel: 'web', agentId: 'bot', user: { id: `u${j}` } });
        events.push(message(`a${j}`, `About my ${words[j % words.length]} number ${j}`));
      }
      await post(engine, a.key, events);
    }
    const watcher = await connect(engine, b.token);
    open.push(watcher);
    const arrivals = new Map();
    watcher.connection.on('sessionUpserted', (card) => { if (!arrivals.has(card.sessionId)) arrivals.set(card.sessionId, now()); });
    await watcher.connection.invoke('Subscribe', {});
    await markers(engine, b, new Map(), 'warm', 5000);

    const quiet = await markers(engine, b, arrivals, 'quiet', seconds * 1000);

    // The flood: three people of A with 20 dashboards each, every one with its own keyword filter, and A's traffic.
    for (let p = 0; p < floodDashboards / 20; p++) {
      await createUser(engine, a, { username: `wall${p}`, password: 'person-password', name: `wall${p}`, role: 'viewer' });
      const token = await login(engine, a.id, `wall${p}`, 'person-password');
      for (let d = 0; d < 20; d++) {
        const dashboard = await connect(engine, token);
        open.push(dashboard);
        await dashboard.connection.invoke('Subscribe', { q: `${words[(p * 20 + d) % words.length]} number ${p * 20 + d}` });
      }
    }
    let flooding = true;
    let flooded = 0;
    const flood = (async () => {
      const batch = 100;
      while (flooding) {
        const started = now();
        const events = [];
        for (let k = 0; k < batch; k++) {
          const j = Math.floor(Math.random() * floodSessions);
          events.push(message(`a${j}`, `Still waiting about my ${words[j % words.length]} number ${j}`));
        }
        await post(engine, a.key, events);
        flooded += batch;
        await sleep(Math.max(0, 1000 * batch / floodPerSecond - (now() - started)));
      }
    })();
    await sleep(3000);
    const floodStart = now();
    const flooded0 = flooded;
    const busy = await markers(engine, b, arrivals, 'busy', seconds * 1000);
    const floodRate = (flooded - flooded0) / (now() - floodStart) * 1000;
    flooding = false;
    await flood;
    return { quiet, busy, floodRate };
  } finally {
    await Promise.all(open.map((c) => c.connection.stop().catch(() => {})));
    await engine.stop();
  }
}

console.log(`builds: ${builds.map((x) => `${x.label} ${x.dll}`).join('; ')}`);
const results = Object.fromEntries(builds.map((x) => [x.label, []]));
for (let r = 0; r < runs; r++) {
  for (const build of builds) {
    const m = await measure(build);
    results[build.label].push(m);
    const f = (x) => `p50 ${percentile(x.latencies, 0.5).toFixed(1)} ms, p99 ${percentile(x.latencies, 0.99).toFixed(1)} ms (${x.latencies.length}/${x.expected}; its 202 p50/p99 ${percentile(x.acks, 0.5).toFixed(1)}/${percentile(x.acks, 0.99).toFixed(1)} ms)`;
    console.log(`${build.label} run ${r + 1}: tenant B while A is quiet: ${f(m.quiet)}; while A floods (${m.floodRate.toFixed(0)} events/s, ${floodDashboards} keyword filters, ${floodSessions} sessions): ${f(m.busy)}`);
  }
}
for (const build of builds) {
  const mine = results[build.label];
  const p = (phase, q) => median(mine.map((x) => percentile(x[phase].latencies, q))).toFixed(1);
  const a = (phase, q) => median(mine.map((x) => percentile(x[phase].acks, q))).toFixed(1);
  console.log(`RESULT fairness ${build.label}: tenant B push p50/p99 ${p('quiet', 0.5)}/${p('quiet', 0.99)} ms while A is quiet, ${p('busy', 0.5)}/${p('busy', 0.99)} ms while A floods; `
    + `B's ingest 202 p50/p99 ${a('quiet', 0.5)}/${a('quiet', 0.99)} → ${a('busy', 0.5)}/${a('busy', 0.99)} ms (median of ${runs} runs)`);
}
console.log(`RESULT fairness: ${seconds} s per phase, A floods at ${floodPerSecond} events/s in 100-event batches into ${floodSessions} sessions with ${floodDashboards} dashboards of distinct keyword filters; B sends ${markersPerSecond} marker sessions/s`);

// Ingest-to-push latency at the client, for N dashboards with varied filters while events flow steadily.
// Usage (from the repository root): bash bench/push/run.sh [dashboard counts] [seconds] [runs]
import { startEngine, newTenant, connect } from '../../tests/hubs/engine.js';

const counts = (process.argv[2] ?? '1,100,1000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 15);
const runs = Number(process.argv[4] ?? 3);
const backgroundPerSecond = 2000;
const markersPerSecond = 5;

// Every filter matches the marker sessions (web, high priority, agent bot-marker); most background traffic
// matches only the first one, so dashboards see different streams of pushes.
const filters = [{}, { channels: ['web'] }, { priorities: ['high', 'urgent'] }, { agents: ['bot-marker'] }, { channels: ['web', 'sms'], statuses: ['active', 'thinking'] }];
const channels = ['whatsapp', 'email', 'telegram', 'phone'];

let seq = 0;
const iso = () => new Date().toISOString();
function background(n) {
  const events = [];
  for (let i = 0; i < n; i++) {
    const s = `bg-${Math.floor(seq / 6)}`;
    const step = seq++ % 6;
    const base = { id: `bg-e-${seq}`, timestamp: iso(), sessionId: s };
    if (step === 0) events.push({ ...base, type: 'session_started', channel: channels[seq % 4], agentId: `bot-${seq % 7}`, user: { id: `u${seq}` } });
    else if (step === 5) events.push({ ...base, type: 'session_ended' });
    else if (step % 2 === 1) events.push({ ...base, type: 'message_received', message: { id: `m${seq}`, format: 'text', text: `question ${seq}` } });
    else events.push({ ...base, type: 'message_sent', sender: { kind: 'ai' }, message: { id: `m${seq}`, format: 'text', text: `answer ${seq}` } });
  }
  return events;
}

async function post(engine, key, events) {
  const r = await fetch(`${engine.url}/api/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': key }, body: JSON.stringify({ events }) });
  if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
const median = (values) => percentile(values, 0.5);

async function measure(dashboards) {
  const engine = await startEngine({ Logging__LogLevel__Default: 'Error' });
  try {
    const tenant = await newTenant(engine);
    const sentAt = new Map();
    const latencies = [];
    const seen = new Set();
    let measuring = false;
    const connections = [];
    for (let i = 0; i < dashboards; i++) {
      const { connection } = await connect(engine, tenant.token);
      connection.on('sessionUpserted', (card) => {
        const t0 = sentAt.get(card.sessionId);
        if (t0 === undefined || !measuring) return;
        const key = `${i}|${card.sessionId}`;
        if (seen.has(key)) return;
        seen.add(key);
        latencies.push(performance.now() - t0);
      });
      await connection.invoke('Subscribe', filters[i % filters.length]);
      connections.push(connection);
    }

    const stopAt = performance.now() + (seconds + 2) * 1000;
    const measureFrom = performance.now() + 2000;
    let markers = 0;
    const pending = [];
    const bgTimer = setInterval(() => pending.push(post(engine, tenant.key, background(backgroundPerSecond / 20))), 50);
    const markerTimer = setInterval(() => {
      measuring = performance.now() >= measureFrom;
      if (!measuring) return;
      const id = `mk-${markers++}`;
      const t = iso();
      sentAt.set(id, performance.now());
      pending.push(post(engine, tenant.key, [
        { id: `${id}-s`, type: 'session_started', timestamp: t, sessionId: id, channel: 'web', agentId: 'bot-marker', priority: 'high', user: { id: 'marker' } },
        { id: `${id}-m`, type: 'message_received', timestamp: t, sessionId: id, message: { id: `${id}-m`, format: 'text', text: 'marker' } },
      ]));
    }, 1000 / markersPerSecond);
    while (performance.now() < stopAt) await new Promise((r) => setTimeout(r, 100));
    clearInterval(bgTimer);
    clearInterval(markerTimer);
    await Promise.allSettled(pending);
    await new Promise((r) => setTimeout(r, 3000));
    const expected = markers * dashboards;
    await Promise.allSettled(connections.map((c) => c.stop()));
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), delivered: latencies.length, expected };
  } finally {
    await engine.stop();
  }
}

for (const n of counts) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const result = await measure(n);
    results.push(result);
    console.log(`dashboards ${n} run ${r + 1}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, delivered ${result.delivered}/${result.expected}`);
  }
  console.log(`RESULT push dashboards=${n}: p50 ${median(results.map((x) => x.p50)).toFixed(1)} ms, p99 ${median(results.map((x) => x.p99)).toFixed(1)} ms `
    + `(median of ${runs} runs; ${backgroundPerSecond} background events/s + ${markersPerSecond} marker sessions/s; delivered ${results.map((x) => `${x.delivered}/${x.expected}`).join(', ')})`);
}

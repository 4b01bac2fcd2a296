// Ingest-to-push latency at the client, for N dashboards with varied filters while events flow steadily.
// Usage (from the repository root): bash bench/push/run.sh [dashboard counts] [seconds] [runs]
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, newTenant, connect } from '../../tests/hubs/engine.js';

const simulatorDll = process.env.LIVEORLEANS_SIMULATOR_DLL
  ?? join(dirname(fileURLToPath(import.meta.url)), '../../Simulator/bin/Release/net10.0/LiveOrleans.Simulator.dll');
const seed = 1;

const counts = (process.argv[2] ?? '1,100,1000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 15);
const runs = Number(process.argv[4] ?? 3);
const backgroundPerSecond = 2000;
const markersPerSecond = 5;

// Every filter matches the marker sessions (web, high priority, agent bot-marker); the simulator's background
// traffic (all channels, other agents) matches some filters and not others, so dashboards see different streams.
const filters = [{}, { channels: ['web'] }, { priorities: ['high', 'urgent'] }, { agents: ['bot-marker'] }, { channels: ['web', 'sms'], statuses: ['active', 'thinking'] }];

const iso = () => new Date().toISOString();

/** The simulator's load mode, as its own process: open loop at a fixed rate into the tenant. */
function simulator(engine, key, seconds) {
  const child = spawn('dotnet', [simulatorDll, '--url', engine.url, '--key', key, '--rate', String(backgroundPerSecond),
    '--seconds', String(seconds), '--seed', String(seed), '--sessions-per-minute', '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  return new Promise((resolve) => child.on('exit', () => resolve(output.trim())));
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
    const background = simulator(engine, tenant.key, seconds + 2);
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
    clearInterval(markerTimer);
    const load = await background;
    await Promise.allSettled(pending);
    await new Promise((r) => setTimeout(r, 3000));
    const expected = markers * dashboards;
    await Promise.allSettled(connections.map((c) => c.stop()));
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), delivered: latencies.length, expected, load };
  } finally {
    await engine.stop();
  }
}

for (const n of counts) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const result = await measure(n);
    results.push(result);
    console.log(`dashboards ${n} run ${r + 1}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, delivered ${result.delivered}/${result.expected}; background: ${result.load}`);
  }
  console.log(`RESULT push dashboards=${n}: p50 ${median(results.map((x) => x.p50)).toFixed(1)} ms, p99 ${median(results.map((x) => x.p99)).toFixed(1)} ms `
    + `(median of ${runs} runs; simulator load mode seed ${seed} at ${backgroundPerSecond} events/s + ${markersPerSecond} marker sessions/s; delivered ${results.map((x) => `${x.delivered}/${x.expected}`).join(', ')})`);
}

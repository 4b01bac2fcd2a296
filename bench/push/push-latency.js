// Ingest-to-push latency at the dashboards, for N dashboards with individual filters while events flow steadily;
// the dashboards live in several client processes (bench/push/dashboards.js), so one event loop is not the limit.
// Usage (from the repository root): bash bench/push/run.sh [baseline commit] [dashboard counts] [seconds] [runs] [events/s]
// Builds compared: LIVEORLEANS_PUSH_BUILDS="before=/path/Api.dll,after=/path/Api.dll" (default: this tree's Release build).
import { spawn, fork } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, newTenant } from '../../tests/hubs/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const simulatorDll = process.env.LIVEORLEANS_SIMULATOR_DLL ?? join(here, '../../Simulator/bin/Release/net10.0/LiveOrleans.Simulator.dll');
const builds = (process.env.LIVEORLEANS_PUSH_BUILDS ?? `after=${join(here, '../../Api/bin/Release/net10.0/LiveOrleans.Api.dll')}`)
  .split(',').map((b) => { const [label, dll] = b.split('='); return { label, dll }; });
const seed = 1;

const counts = (process.argv[2] ?? '1,100,1000,5000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 15);
const runs = Number(process.argv[4] ?? 3);
const backgroundPerSecond = Number(process.argv[5] ?? 500);
const markersPerSecond = 5;
const dashboardsPerProcess = 500;
const maxProcesses = 4;

// Individual filters, as supervisors keep them: most watch a couple of agents (the simulator's humans and bots),
// some a channel and priority, and one in twenty is a wall screen with no filter. Every filter matches the marker
// sessions (web, high priority, agent bot-marker); the background traffic matches each filter differently.
const agents = ['alice', 'bob', 'carol', 'dave', 'erin', 'support-bot', 'sales-bot'];
function filterOf(index) {
  if (index % 20 === 0) return {};
  const k = index % (agents.length + 1);
  return k === agents.length ? { channels: ['web'], priorities: ['high', 'urgent'] } : { agents: ['bot-marker', agents[k]] };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The simulator's load mode, as its own process: open loop at a fixed rate into the tenant. */
function simulator(engine, key, duration) {
  const child = spawn('dotnet', [simulatorDll, '--url', engine.url, '--key', key, '--rate', String(backgroundPerSecond),
    '--seconds', String(duration), '--seed', String(seed), '--sessions-per-minute', '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  return new Promise((resolve) => child.on('exit', () => resolve(output.trim())));
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
const median = (values) => percentile(values, 0.5);

/** A dashboard client process with its share of the dashboards open. */
async function clientProcess(engine, token, dashboards) {
  const child = fork(join(here, 'dashboards.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiters = [];
  child.on('message', (m) => { messages.push(m); waiters.splice(0).forEach((w) => w()); });
  const next = async (type) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      await new Promise((r) => waiters.push(r));
    }
  };
  child.send({ type: 'open', url: engine.url, token, dashboards });
  await next('ready');
  return { stop: async () => { child.send({ type: 'stop' }); return (await next('arrivals')).arrivals; } };
}

async function measure(build, dashboards) {
  const engine = await startEngine({ Logging__LogLevel__Default: 'Error' }, build.dll);
  try {
    const tenant = await newTenant(engine);
    const processes = Math.min(maxProcesses, Math.ceil(dashboards / dashboardsPerProcess));
    const shares = Array.from({ length: processes }, () => []);
    for (let i = 0; i < dashboards; i++) shares[i % processes].push({ index: i, filter: filterOf(i) });
    const clients = await Promise.all(shares.map((share) => clientProcess(engine, tenant.token, share)));

    const sentAt = new Map();
    const pending = [];
    const background = simulator(engine, tenant.key, seconds + 2);
    await sleep(2000); // the background traffic settles before markers are measured
    const stopAt = now() + seconds * 1000;
    let markers = 0;
    while (now() < stopAt) {
      const id = `mk-${markers++}`;
      const t = new Date().toISOString();
      sentAt.set(id, now());
      pending.push(fetch(`${engine.url}/api/v1/events`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': tenant.key },
        body: JSON.stringify({ events: [
          { id: `${id}-s`, type: 'session_started', timestamp: t, sessionId: id, channel: 'web', agentId: 'bot-marker', priority: 'high', user: { id: 'marker' } },
          { id: `${id}-m`, type: 'message_received', timestamp: t, sessionId: id, message: { id: `${id}-m`, format: 'text', text: 'marker' } },
        ] }),
      }).then((r) => { if (r.status !== 202) throw new Error(`ingest answered ${r.status}`); }));
      await sleep(1000 / markersPerSecond);
    }
    const load = await background;
    const posted = await Promise.allSettled(pending);
    await sleep(3000);
    const latencies = [];
    for (const arrivals of await Promise.all(clients.map((c) => c.stop()))) {
      for (const [session, , at] of arrivals) if (sentAt.has(session)) latencies.push(at - sentAt.get(session));
    }
    return {
      p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), delivered: latencies.length, expected: markers * dashboards,
      failedPosts: posted.filter((p) => p.status === 'rejected').length, processes, load,
    };
  } finally {
    await engine.stop();
  }
}

console.log(`builds: ${builds.map((b) => `${b.label} ${b.dll}`).join('; ')}`);
for (const n of counts) {
  const results = Object.fromEntries(builds.map((b) => [b.label, []]));
  // Runs alternate between the builds, so a slow moment of the machine hits both.
  for (let r = 0; r < runs; r++) {
    for (const build of builds) {
      const result = await measure(build, n);
      results[build.label].push(result);
      console.log(`dashboards ${n} ${build.label} run ${r + 1}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, `
        + `delivered ${result.delivered}/${result.expected} over ${result.processes} client processes, failed posts ${result.failedPosts}; background: ${result.load}`);
    }
  }
  for (const build of builds) {
    const mine = results[build.label];
    console.log(`RESULT push dashboards=${n} ${build.label}: p50 ${median(mine.map((x) => x.p50)).toFixed(1)} ms, p99 ${median(mine.map((x) => x.p99)).toFixed(1)} ms `
      + `(median of ${runs} runs; delivered ${mine.map((x) => `${x.delivered}/${x.expected}`).join(', ')})`);
  }
  console.log(`RESULT push dashboards=${n}: simulator load mode seed ${seed} at ${backgroundPerSecond} events/s + ${markersPerSecond} marker sessions/s, ${seconds} s per run`);
}

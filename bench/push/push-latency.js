// Ingest-to-push latency at the dashboards, for N dashboards with individual filters while events flow steadily;
// the dashboards live in several client processes (bench/push/dashboards.js), so one event loop is not the limit.
// Usage (from the repository root): bash bench/push/run.sh [baseline commit] [dashboard counts] [seconds] [runs] [events/s] [warm-up seconds]
// Builds compared: LIVEORLEANS_PUSH_BUILDS="before=/path/Api.dll,after=/path/Api.dll" (default: this tree's Release build).
import { spawn, fork, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now, sleep, percentile, median } from './stats.js';
import { startEngine, newTenant } from '../../tests/hubs/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const simulatorDll = process.env.LIVEORLEANS_SIMULATOR_DLL ?? join(here, '../../Simulator/bin/Release/net10.0/LiveOrleans.Simulator.dll');
const builds = (process.env.LIVEORLEANS_PUSH_BUILDS ?? `after=${join(here, '../../Api/bin/Release/net10.0/LiveOrleans.Api.dll')}`)
  .split(',').map((b) => { const [label, spec] = b.split('='); const [dll, mode] = spec.split('@'); return { label, dll, cluster: mode === 'cluster' }; });
const seed = 1;
// LIVEORLEANS_PUSH_PROTOCOL: the dashboards' hub protocol, json (the default) or messagepack; a list (json,messagepack)
// measures each build under each, as sides of one run that alternate like builds.
const protocols = (process.env.LIVEORLEANS_PUSH_PROTOCOL ?? 'json').split(',');
const sides = builds.flatMap((b) => protocols.map((protocol) => ({ ...b, protocol, label: protocols.length > 1 ? `${b.label}/${protocol}` : b.label })));

const counts = (process.argv[2] ?? '1,100,1000,5000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 15);
const runs = Number(process.argv[4] ?? 3);
const backgroundPerSecond = Number(process.argv[5] ?? 500);
const warmUpSeconds = Number(process.argv[6] ?? 20);
const markersPerSecond = 5;
// LIVEORLEANS_PUSH_FORM=ticks subscribes with ticks (window LIVEORLEANS_PUSH_WINDOW, 50 by default) where the build has
// them; "legacy" (the default) with a bare filter, a push per change.
const pushForm = process.env.LIVEORLEANS_PUSH_FORM ?? 'legacy';
const pushWindow = Number(process.env.LIVEORLEANS_PUSH_WINDOW ?? 50);
// LIVEORLEANS_PUSH_SPLIT=1: the engine on core 0, this process, its clients and the simulator on core 1 (taskset), so
// the clients cannot starve the engine, nor the engine the clients.
const split = process.env.LIVEORLEANS_PUSH_SPLIT === '1';
if (split) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const dashboardsPerProcess = 500;
const maxProcesses = 4;

// Individual filters, as supervisors keep them: most watch a couple of agents (the simulator's humans and bots),
// some a channel and priority, and one in twenty is a wall screen with no filter. Every filter matches the marker
// sessions (web, high priority, agent bot-marker); the background traffic matches each filter differently.
const agents = ['alice', 'bob', 'carol', 'dave', 'erin', 'support-bot', 'sales-bot'];
// LIVEORLEANS_PUSH_DISTINCT=N makes N different filters (each agent filter also names one of N agents nobody has, which
// changes no answer): every distinct filter is a group of its own on the engine.
const distinct = Number(process.env.LIVEORLEANS_PUSH_DISTINCT ?? 0);
function filterOf(index) {
  if (index % 20 === 0) return {};
  const k = index % (agents.length + 1);
  if (k === agents.length) return { channels: ['web'], priorities: ['high', 'urgent'] };
  return { agents: distinct > 0 ? ['bot-marker', agents[k], `nobody-${index % distinct}`] : ['bot-marker', agents[k]] };
}

/** CPU time (user + system) a process used so far, in seconds (Linux /proc; clock ticks of 10 ms). */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** The simulator's load mode, as its own process: open loop at a fixed rate into the tenant. */
function simulator(engine, key, duration) {
  const child = spawn('dotnet', [simulatorDll, '--url', engine.url, '--key', key, '--rate', String(backgroundPerSecond),
    '--seconds', String(duration), '--seed', String(seed), '--sessions-per-minute', '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  return new Promise((resolve) => child.on('exit', () => resolve(output.trim())));
}


/** A dashboard client process with its share of the dashboards open. */
async function clientProcess(engine, token, dashboards, protocol) {
  const child = fork(join(here, 'dashboards.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiters = [];
  let exited = null;
  child.on('message', (m) => { messages.push(m); waiters.splice(0).forEach((w) => w()); });
  child.on('exit', (code, signal) => { exited = `the dashboard process exited (code ${code}, signal ${signal})`; waiters.splice(0).forEach((w) => w()); });
  const next = async (type) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      if (exited) throw new Error(exited);
      await new Promise((r) => waiters.push(r));
    }
  };
  child.send({ type: 'open', url: engine.url, token, dashboards, push: pushForm, window: pushWindow, protocol });
  await next('ready');
  return { stop: async () => { child.send({ type: 'stop' }); return await next('arrivals'); } };
}

async function measure(build, dashboards) {
  // Every dashboard of the benchmark is the same person's: the per-node connection caps are lifted.
  const engine = await startEngine({ Logging__LogLevel__Default: 'Error', Push__MaxConnectionsPerUser: '0', Push__MaxConnectionsPerTenant: '0', Push__MaxFilterGroupsPerTenant: '0' }, build.dll, [], build.cluster);
  if (split) execFileSync('taskset', ['-a', '-p', '-c', '0', String(engine.process.pid)], { stdio: 'ignore' });
  try {
    const tenant = await newTenant(engine);
    const processes = Math.min(maxProcesses, Math.ceil(dashboards / dashboardsPerProcess));
    const shares = Array.from({ length: processes }, () => []);
    for (let i = 0; i < dashboards; i++) shares[i % processes].push({ index: i, filter: filterOf(i) });
    const clients = await Promise.all(shares.map((share) => clientProcess(engine, tenant.token, share, build.protocol)));

    const readyAt = now();
    const sentAt = new Map();
    const acks = [];
    const pending = [];
    // Markers: a web, high-priority session of agent bot-marker with one customer message, markersPerSecond a second.
    const postMarkers = async (prefix, until, measured) => {
      let count = 0;
      while (now() < until) {
        const id = `${prefix}-${count++}`;
        const t = new Date().toISOString();
        const sent = now();
        if (measured) sentAt.set(id, sent);
        pending.push(fetch(`${engine.url}/api/v1/events`, {
          method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': tenant.key },
          body: JSON.stringify({ events: [
            { id: `${id}-s`, type: 'session_started', timestamp: t, sessionId: id, channel: 'web', agentId: 'bot-marker', priority: 'high', user: { id: 'marker' } },
            { id: `${id}-m`, type: 'message_received', timestamp: t, sessionId: id, message: { id: `${id}-m`, format: 'text', text: 'marker' } },
          ] }),
        }).then((r) => {
          if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
          if (measured) acks.push(now() - sent);
        }));
        await sleep(1000 / markersPerSecond);
      }
      return count;
    };
    const background = simulator(engine, tenant.key, warmUpSeconds + seconds + 2);
    // Warm-up: the same traffic, unmeasured, while the JIT's tiering settles (it takes a core for tens of seconds).
    await postMarkers('wu', now() + warmUpSeconds * 1000, false);
    const cpuAtStart = cpuSeconds(engine.process.pid);
    const markers = await postMarkers('mk', now() + seconds * 1000, true);
    const engineCpu = (cpuSeconds(engine.process.pid) - cpuAtStart) / seconds;
    const load = await background;
    const posted = await Promise.allSettled(pending);
    await sleep(3000);
    const latencies = [];
    const received = {};
    let closedByEngine = 0;
    let bytes = 0;
    for (const result of await Promise.all(clients.map((c) => c.stop()))) {
      closedByEngine += result.closedByEngine ?? 0;
      bytes += result.bytes ?? 0;
      for (const [session, , at] of result.arrivals) if (sentAt.has(session)) latencies.push(at - sentAt.get(session));
      for (const [name, count] of Object.entries(result.received)) received[name] = (received[name] ?? 0) + count;
    }
    // Pushes of every kind each dashboard received per second, from the moment the clients were ready to the end.
    const perDashboard = Object.values(received).reduce((a, b) => a + b, 0) / dashboards / (now() - readyAt) * 1000;
    // And the bytes of those messages (KB per dashboard per second), snapshots and answers included.
    const kbPerDashboard = bytes / 1000 / dashboards / (now() - readyAt) * 1000;
    return {
      p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), ack: percentile(acks, 0.5), engineCpu, perDashboard, kbPerDashboard, closedByEngine, delivered: latencies.length, expected: markers * dashboards,
      failedPosts: posted.filter((p) => p.status === 'rejected').length, processes, load,
    };
  } finally {
    await engine.stop();
  }
}

console.log(`builds: ${builds.map((b) => `${b.label} ${b.dll}`).join('; ')}; hub protocols: ${protocols.join(', ')}`);
for (const n of counts) {
  const results = Object.fromEntries(sides.map((b) => [b.label, []]));
  // Runs alternate between the sides (builds, protocols), so a slow moment of the machine hits all.
  for (let r = 0; r < runs; r++) {
    for (const build of sides) {
      const result = await measure(build, n);
      results[build.label].push(result);
      console.log(`dashboards ${n} ${build.label} run ${r + 1}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (marker 202 p50 ${result.ack.toFixed(1)} ms, engine CPU ${(result.engineCpu * 100).toFixed(0)} % of a core, ${result.perDashboard.toFixed(1)} pushes/s and ${result.kbPerDashboard.toFixed(1)} KB/s per dashboard, ${result.closedByEngine} connections closed by the engine), `
        + `delivered ${result.delivered}/${result.expected} over ${result.processes} client processes, failed posts ${result.failedPosts}; background: ${result.load}`);
    }
  }
  for (const build of sides) {
    const mine = results[build.label];
    console.log(`RESULT push dashboards=${n} ${build.label}: p50 ${median(mine.map((x) => x.p50)).toFixed(1)} ms, p99 ${median(mine.map((x) => x.p99)).toFixed(1)} ms, engine CPU ${(median(mine.map((x) => x.engineCpu)) * 100).toFixed(0)} % of a core `
      + `(median of ${runs} runs; delivered ${mine.map((x) => `${x.delivered}/${x.expected}`).join(', ')})`);
  }
  for (const build of sides) {
    const mine = results[build.label];
    console.log(`RESULT push dashboards=${n} ${build.label}: ${median(mine.map((x) => x.perDashboard)).toFixed(1)} messages/s and ${median(mine.map((x) => x.kbPerDashboard)).toFixed(1)} KB/s per dashboard, `
      + `${mine.map((x) => x.closedByEngine).join('/')} connections closed by the engine, missed ${mine.map((x) => x.expected - x.delivered).join('/')} markers (form ${pushForm}, window ${pushWindow}${split ? ', engine on core 0, clients on core 1' : ''})`);
  }
  console.log(`RESULT push dashboards=${n}: simulator load mode seed ${seed} at ${backgroundPerSecond} events/s + ${markersPerSecond} marker sessions/s, ${seconds} s per run after ${warmUpSeconds} s of the same traffic unmeasured`);
}

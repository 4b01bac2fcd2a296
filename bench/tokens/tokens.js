// Token benchmark: N sessions streaming replies at once (message_delta through /hubs/runtime, or POST /api/v1/events
// with --http), each of the first D sessions watched by a dashboard of its own (WatchSession on /hubs/live).
// Measures deltas/s the engine accepted, deltas/s delivered to the dashboards, p50/p99 producer-to-dashboard latency
// per token, the engine's CPU, and tokens missed or out of order. The engine runs on core 0, every client process on
// core 1 (taskset), so neither starves the other.
// Usage (from the repository root): bash bench/tokens/run.sh [baseline|none] [rates] [seconds] [runs] [options]
//   rates: a comma list of total deltas/s; 0 = closed loop (as fast as the engine acknowledges).
//   options: --sessions N (1000) --dashboards D (1000) --producers P (8) --inflight F (2 lanes per producer)
//            --per-session K (closed loop: deltas per session per batch, 4) --reply L (deltas per reply, 200)
//            --max-batch B (events per batch, 1000) --warmup S (40) --http --dashboard-processes X (2)
// Builds compared: LIVEORLEANS_PUSH_BUILDS="before=/path/Api.dll,after=/path/Api.dll" (as bench/push).
import { fork, spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now, sleep, median } from '../push/stats.js';
import { startEngine, newTenant, ingest } from '../../tests/hubs/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const builds = (process.env.LIVEORLEANS_PUSH_BUILDS ?? `after=${join(here, '../../Api/bin/Release/net10.0/LiveOrleans.Api.dll')}`)
  .split(',').map((b) => { const [label, dll] = b.split('='); return { label, dll }; });

const positional = [];
const options = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--http') options.http = true;
  else if (a.startsWith('--')) options[a.slice(2)] = process.argv[++i];
  else positional.push(a);
}
const rates = (positional[0] ?? '0').split(',').map(Number);
const seconds = Number(positional[1] ?? 10);
const runs = Number(positional[2] ?? 3);
const config = {
  sessions: Number(options.sessions ?? 1000),
  dashboards: Number(options.dashboards ?? 1000),
  producers: Number(options.producers ?? 8),
  inflight: Number(options.inflight ?? 2),
  perSession: Number(options['per-session'] ?? 4),
  reply: Number(options.reply ?? 200),
  maxBatch: Number(options['max-batch'] ?? 1000),
  http: options.http === true,
};
const warmUp = Number(options.warmup ?? 40);
const dashboardProcesses = Math.max(1, Math.min(config.dashboards, Number(options['dashboard-processes'] ?? 2)));

// This process and every child it forks on core 1; each engine on core 0.
execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

function child(script) {
  const process_ = fork(join(here, script), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  const waiters = [];
  let exited = null;
  process_.on('message', (m) => { messages.push(m); waiters.splice(0).forEach((w) => w()); });
  process_.on('exit', (code, signal) => { exited = `${script} exited (code ${code}, signal ${signal})`; waiters.splice(0).forEach((w) => w()); });
  return {
    pid: process_.pid,
    send: (m) => process_.send(m),
    next: async (type) => {
      for (;;) {
        const i = messages.findIndex((m) => m.type === type);
        if (i >= 0) return messages.splice(i, 1)[0];
        if (exited) throw new Error(exited);
        await new Promise((r) => waiters.push(r));
      }
    },
  };
}

function percentileOf(histogram, late, bucketMs, total, p) {
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [bucket, count] of histogram) {
    seen += count;
    if (seen >= rank) return (bucket + 1) * bucketMs;
  }
  const sorted = [...late].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, rank - seen - 1)];
}

async function measure(build, rate) {
  const engine = await startEngine({
    Logging__LogLevel__Default: 'Error',
    Push__MaxConnectionsPerUser: '0', Push__MaxConnectionsPerTenant: '0', Push__MaxFilterGroupsPerTenant: '0',
    // One tenant streams all of it: its rate limit (100,000 events/s by default) is lifted.
    Ingest__EventsPerSecondPerTenant: '100000000',
  }, build.dll);
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(engine.process.pid)], { stdio: 'ignore' });
  try {
    const tenant = await newTenant(engine);
    const t = new Date().toISOString();
    for (let from = 0; from < config.sessions; from += 500) {
      const events = [];
      for (let i = from; i < Math.min(config.sessions, from + 500); i++) {
        events.push({ id: `s${i}-start`, type: 'session_started', timestamp: t, sessionId: `s${i}`, channel: 'web', agentId: 'bot', user: { id: `u${i}` } });
      }
      await ingest(engine, tenant, events);
    }
    const shares = Array.from({ length: dashboardProcesses }, () => []);
    for (let i = 0; i < config.dashboards; i++) shares[i % dashboardProcesses].push([`s${i}`]);
    const dashboards = shares.map(() => child('dashboards.js'));
    dashboards.forEach((d, i) => d.send({ type: 'open', url: engine.url, token: tenant.token, dashboards: shares[i] }));
    await Promise.all(dashboards.map((d) => d.next('ready')));
    const producers = child('producers.js');
    producers.send({ type: 'open', url: engine.url, key: tenant.key, config: { ...config, rate } });
    await producers.next('ready');

    producers.send({ type: 'start' });
    await sleep(warmUp * 1000);
    const from = now();
    const to = from + seconds * 1000;
    for (const c of [producers, ...dashboards]) c.send({ type: 'window', from, to });
    const cpuAtStart = cpuSeconds(engine.process.pid);
    const clientCpu = () => [producers, ...dashboards].reduce((sum, c) => sum + cpuSeconds(c.pid), 0);
    const clientCpuAtStart = clientCpu();
    // LIVEORLEANS_TOKENS_PERF=FILE: `perf record -g` of the engine over the measured window (start it with DOTNET_PerfMapEnabled=1).
    const perf = process.env.LIVEORLEANS_TOKENS_PERF
      ? spawn('perf', ['record', '-F', '499', '-g', '-p', String(engine.process.pid), '-o', process.env.LIVEORLEANS_TOKENS_PERF, '--', 'sleep', String(seconds)], { stdio: 'ignore' })
      : null;
    await sleep(seconds * 1000);
    if (perf) await new Promise((r) => (perf.exitCode !== null ? r() : perf.once('exit', r)));
    const engineCpu = (cpuSeconds(engine.process.pid) - cpuAtStart) / seconds;
    const clientsCpu = (clientCpu() - clientCpuAtStart) / seconds;
    producers.send({ type: 'stop' });
    const { stats } = await producers.next('result');
    // Drain: until the dashboards' count of the window's tokens stops growing (at most 30 s).
    let last = -1;
    for (let waited = 0; waited < 30_000; waited += 1000) {
      dashboards.forEach((d) => d.send({ type: 'count' }));
      const count = (await Promise.all(dashboards.map((d) => d.next('count')))).reduce((a, c) => a + c.inWindow, 0);
      if (count === last) break;
      last = count;
      await sleep(1000);
    }
    dashboards.forEach((d) => d.send({ type: 'stop' }));
    const results = await Promise.all(dashboards.map((d) => d.next('result')));
    const histogram = new Map();
    const late = [];
    let delivered = 0, outOfOrder = 0, gaps = 0, closedByEngine = 0;
    for (const r of results) {
      for (const [b, c] of r.histogram) histogram.set(b, (histogram.get(b) ?? 0) + c);
      late.push(...r.late);
      delivered += r.inWindow;
      outOfOrder += r.outOfOrder;
      gaps += r.gaps;
      closedByEngine += r.closedByEngine;
    }
    const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
    const bucketMs = results[0].bucketMs;
    return {
      accepted: stats.acceptedInWindow / seconds, sent: stats.sentInWindow / seconds, refused: stats.refusedInWindow / seconds,
      delivered: delivered / seconds, p50: percentileOf(sorted, late, bucketMs, delivered, 0.5), p99: percentileOf(sorted, late, bucketMs, delivered, 0.99),
      engineCpu, clientsCpu, missed: stats.watchedInWindow - delivered, watched: stats.watchedInWindow, outOfOrder, gaps, closedByEngine, errors: stats.errors,
    };
  } finally {
    await engine.stop();
  }
}

const f = (x) => Math.round(x).toLocaleString('en-US');
const path = config.http ? 'POST /api/v1/events' : '/hubs/runtime Publish';
console.log(`builds: ${builds.map((b) => `${b.label} ${b.dll}`).join('; ')}`);
console.log(`config: ${path}, ${JSON.stringify(config)}, ${seconds} s measured after ${warmUp} s warm-up, ${dashboardProcesses} dashboard processes + 1 producer process; engine on core 0, clients on core 1 (taskset)`);
for (const rate of rates) {
  const results = Object.fromEntries(builds.map((b) => [b.label, []]));
  for (let r = 0; r < runs; r++) {
    for (const build of builds) {
      const x = await measure(build, rate);
      results[build.label].push(x);
      console.log(`rate ${rate || 'closed loop'} ${build.label} run ${r + 1}: sent ${f(x.sent)}/s, accepted ${f(x.accepted)}/s, refused ${f(x.refused)}/s, delivered ${f(x.delivered)}/s, `
        + `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, engine CPU ${(x.engineCpu * 100).toFixed(0)} %, clients' CPU ${(x.clientsCpu * 100).toFixed(0)} %, missed ${x.missed}/${x.watched}, out of order ${x.outOfOrder}, gaps ${x.gaps}, `
        + `closed by engine ${x.closedByEngine}${Object.keys(x.errors).length ? `, errors ${JSON.stringify(x.errors)}` : ''}`);
    }
  }
  for (const build of builds) {
    const m = results[build.label];
    const med = (k) => median(m.map((x) => x[k]));
    console.log(`RESULT tokens ${path} rate=${rate || 'closed'} ${build.label}: accepted ${f(med('accepted'))} deltas/s, delivered ${f(med('delivered'))} deltas/s, `
      + `p50 ${med('p50').toFixed(1)} ms, p99 ${med('p99').toFixed(1)} ms, engine CPU ${(med('engineCpu') * 100).toFixed(0)} % of a core, clients ${(med('clientsCpu') * 100).toFixed(0)} % `
      + `(median of ${runs}; missed ${m.map((x) => x.missed).join('/')}, out of order ${m.map((x) => x.outOfOrder).join('/')})`);
  }
}

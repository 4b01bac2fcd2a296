// Starts the real LiveOrleans Api (the built LiveOrleans.Api.dll) on a free loopback port with a fresh store,
// and offers the HTTP calls the tests need. Each test file gets its own engine.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';

const here = dirname(fileURLToPath(import.meta.url));
const apiDll = process.env.LIVEORLEANS_API_DLL ?? join(here, '../../Api/bin/Debug/net10.0/LiveOrleans.Api.dll');
const siloDll = process.env.LIVEORLEANS_SILO_DLL ?? join(here, '../../Silo/bin/Debug/net10.0/LiveOrleans.Silo.dll');

// The cluster pass of the test command (LIVEORLEANS_TEST_CLUSTER=1): each engine is a cluster of two on a PostgreSQL
// database of its own — a Silo process and the Api joined to it — on the server LIVEORLEANS_POSTGRES names.
const clusterMode = process.env.LIVEORLEANS_TEST_CLUSTER === '1';

function postgres() {
  const parts = Object.fromEntries((process.env.LIVEORLEANS_POSTGRES ?? '').split(';').filter(Boolean)
    .map((p) => { const i = p.indexOf('='); return [p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim()]; }));
  if (!parts.host) throw new Error('LIVEORLEANS_TEST_CLUSTER=1 needs LIVEORLEANS_POSTGRES (the test command sets both).');
  return { host: parts.host, port: parts.port ?? '5432', user: parts.username ?? 'postgres', password: parts.password };
}

function psql(sql) {
  const pg = postgres();
  execFileSync('psql', ['-h', pg.host, '-p', pg.port, '-U', pg.user, '-d', 'postgres', '-qtAc', sql],
    { env: { ...process.env, ...(pg.password ? { PGPASSWORD: pg.password } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function clusterSettings(name) {
  const pg = postgres();
  return {
    Storage__Provider: 'PostgreSql',
    ConnectionStrings__PostgreSql: `Host=${pg.host};Port=${pg.port};Username=${pg.user};${pg.password ? `Password=${pg.password};` : ''}Database=${name}`,
    Orleans__ClusterId: name,
    Orleans__AdvertisedIP: '127.0.0.1',
  };
}
export const PLATFORM_PASSWORD = 'platform-password';

// Ports below the kernel's ephemeral range (32768 on Linux), checked free: a port the kernel hands out for "any
// free port" can be given again to one of the run's outgoing connections before the engine binds it.
let nextPort = 20000 + Math.floor(Math.random() * 12000);

async function freePort() {
  for (let tried = 0; tried < 12000; tried++) {
    const port = 20000 + (nextPort++ % 12000);
    if (await isFree(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/**
 * Starts an engine; `dll` picks another build of the Api (the benchmarks compare builds); `args` are added to its
 * command line (e.g. --demo); `cluster` runs it in cluster mode (default: the test command's pass).
 */
export async function startEngine(settings = {}, dll = apiDll, args = [], cluster = clusterMode) {
  if (!existsSync(dll)) throw new Error(`${dll} is missing: build the solution first (dotnet build).`);
  const dataDir = mkdtempSync(join(tmpdir(), 'lo-hubs-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Each engine co-hosts an Orleans silo: it gets its own silo and gateway ports.
  const siloPort = await freePort();
  const gatewayPort = await freePort();
  const env = {
    ...process.env,
    ASPNETCORE_ENVIRONMENT: 'Production',
    Storage__SqlitePath: join(dataDir, 'live.db'),
    Bootstrap__Tenant: 'platform',
    Bootstrap__AdminPassword: PLATFORM_PASSWORD,
    Bootstrap__IngestKey: 'lo_platform_key',
    Logging__LogLevel__Default: 'Warning',
    Orleans__SiloPort: String(siloPort),
    Orleans__GatewayPort: String(gatewayPort),
    ...settings,
  };
  let database = null;
  if (cluster && !settings.Storage__Provider) {
    database = `lo_hubs_${process.pid}_${port}`;
    psql(`CREATE DATABASE "${database}"`);
    Object.assign(env, clusterSettings(database), settings);
  }
  const engine = { url, dataDir, port, env, process: null, silo: null, output: '' };
  // The Silo process's ports, kept across restarts as a service's are (a silo back on its address retires its old entry at once).
  const siloEnv = database ? { ...env, Orleans__SiloPort: String(await freePort()), Orleans__GatewayPort: String(await freePort()) } : null;
  engine.start = async () => {
    if (database) {
      // The Silo process; the Api joins it (both create the tables, once, whichever is first).
      // The Silo of the same build as the Api (the benchmarks start other builds than this tree's).
      const silo = dll === apiDll ? siloDll : dll.replace(/Api([\\/]bin[\\/][^\\/]+[\\/]net10\.0[\\/])LiveOrleans\.Api\.dll$/, 'Silo$1LiveOrleans.Silo.dll');
      engine.silo = spawn('dotnet', [silo], { env: siloEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      engine.silo.stdout.on('data', () => {});
      engine.silo.stderr.on('data', (d) => { if (process.env.LIVEORLEANS_VERBOSE) process.stderr.write(d); });
    }
    engine.process = spawn('dotnet', [dll, '--urls', url, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // What the engine logs (its console), kept for tests that check what it says; bounded.
    const keep = (d) => { engine.output = (engine.output + d).slice(-1_000_000); };
    engine.process.stdout.on('data', keep);
    engine.process.stderr.on('data', (d) => { keep(d); if (process.env.LIVEORLEANS_VERBOSE) process.stderr.write(d); });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the engine did not answer /health within 60 s');
  };
  const killProcess = async (child) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  engine.kill = async () => {
    await killProcess(engine.process);
    await killProcess(engine.silo);
  };
  engine.stop = async () => {
    await engine.kill();
    rmSync(dataDir, { recursive: true, force: true });
    if (database) psql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  };
  await engine.start();
  return engine;
}

export async function login(engine, tenant, username, password) {
  const r = await fetch(`${engine.url}/api/v1/auth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tenant, username, password }),
  });
  if (!r.ok) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  return (await r.json()).accessToken;
}

let tenants = 0;

/** Creates a tenant through the platform administrator; answers {id, key, token}. */
export async function newTenant(engine) {
  const platform = await login(engine, 'platform', 'admin', PLATFORM_PASSWORD);
  const id = `t${++tenants}-${Math.random().toString(36).slice(2, 8)}`;
  const r = await fetch(`${engine.url}/api/v1/tenants`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${platform}` },
    body: JSON.stringify({ id, name: id, timeZone: 'UTC', admin: { username: 'boss', password: 'boss-password' } }),
  });
  if (r.status !== 201) throw new Error(`tenant creation failed: ${r.status} ${await r.text()}`);
  const { ingestKey } = await r.json();
  return { id, key: ingestKey, token: await login(engine, id, 'boss', 'boss-password') };
}

/** Creates a person of the tenant (as its admin); answers nothing, throws unless 201. */
export async function createUser(engine, tenant, user) {
  const r = await fetch(`${engine.url}/api/v1/users`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` }, body: JSON.stringify(user),
  });
  if (r.status !== 201) throw new Error(`user creation failed: ${r.status} ${await r.text()}`);
}

export async function ingest(engine, tenant, events) {
  const r = await fetch(`${engine.url}/api/v1/events`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': tenant.key }, body: JSON.stringify({ events }),
  });
  if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
  return r.json();
}

export async function getJson(engine, tenant, path) {
  const r = await fetch(`${engine.url}${path}`, { headers: { Authorization: `Bearer ${tenant.token}` } });
  if (!r.ok) throw new Error(`GET ${path} answered ${r.status}`);
  return r.json();
}

/** The hub protocols both hubs speak (docs/hubs.md, Protocols); tests of the wire contract run under each. */
export const PROTOCOLS = ['json', 'messagepack'];

/** The client's protocol object for a name of PROTOCOLS. */
export function hubProtocol(name = 'json') {
  if (name === 'json') return new signalR.JsonHubProtocol();
  if (name === 'messagepack') return new MessagePackHubProtocol();
  throw new Error(`unknown hub protocol ${name}`);
}

/**
 * A started hub connection that records every push by name. `options.protocol`: 'json' (the default) or
 * 'messagepack'; `options.hubProtocol`: a protocol object of one's own; the other options go to withUrl.
 */
export async function connect(engine, token, options = {}) {
  const { protocol, hubProtocol: own, reconnectDelays, ...http } = options;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${engine.url}/hubs/live`, { accessTokenFactory: () => token, ...http })
    .withHubProtocol(own ?? hubProtocol(protocol))
    .configureLogging(signalR.LogLevel.None)
    .withAutomaticReconnect(reconnectDelays ?? [0, 200, 500, 1000, 1000, 1000, 2000, 2000, 2000])
    .build();
  const received = [];
  for (const name of ['summary', 'hourly', 'agents', 'metrics', 'sessionUpserted', 'sessionRemoved', 'activity',
    'message', 'token', 'sessionState', 'intervention', 'alert', 'presence', 'watcherCount', 'tick']) {
    connection.on(name, (...args) => received.push({ name, args, at: Date.now() }));
  }
  await connection.start();
  return { connection, received };
}

/** A started producer connection to /hubs/runtime with a tenant API key (and a protocol of PROTOCOLS), recording the control commands it receives. */
export async function producer(engine, key, protocol = 'json') {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${engine.url}/hubs/runtime`, { accessTokenFactory: () => key })
    .withHubProtocol(hubProtocol(protocol))
    .configureLogging(signalR.LogLevel.None)
    .build();
  const controls = [];
  connection.on('control', (command) => controls.push({ name: 'control', args: [command] }));
  await connection.start();
  return { connection, controls };
}

/** Waits until a push matching the predicate arrived; answers it. */
export async function waitFor(received, predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = received.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}; received: ${received.map((r) => r.name).join(', ')}`);
}

let nextId = 0;
const now = () => new Date().toISOString();
const id = () => `ev-${process.pid}-${++nextId}`;
export const ev = {
  started: (sessionId, extra = {}) => ({ id: id(), type: 'session_started', timestamp: now(), sessionId, channel: 'web', agentId: 'bot', user: { id: 'u1', name: 'Ann' }, ...extra }),
  received: (sessionId, text = 'Hello') => ({ id: id(), type: 'message_received', timestamp: now(), sessionId, message: { id: id(), format: 'text', text } }),
  sent: (sessionId, text = 'Hi, how can I help?', messageId = id()) => ({ id: id(), type: 'message_sent', timestamp: now(), sessionId, message: { id: messageId, format: 'text', text }, sender: { kind: 'ai' } }),
  thinking: (sessionId) => ({ id: id(), type: 'agent_thinking', timestamp: now(), sessionId }),
  delta: (sessionId, messageId, delta, index) => ({ id: id(), type: 'message_delta', timestamp: now(), sessionId, messageId, delta, index }),
  ended: (sessionId) => ({ id: id(), type: 'session_ended', timestamp: now(), sessionId }),
  error: (sessionId, code = 'llm_timeout', message = 'The model timed out') => ({ id: id(), type: 'error_occurred', timestamp: now(), sessionId, error: { code, message } }),
};

export { signalR };

// Presence on /hubs/live: the people watching a session (WatchSession) are its watchers. Those watching it get the list
// (`presence`), subscriptions whose filter holds it get the count (`watcherCount`, and `watcherCounts` in the snapshot);
// both follow people coming and going, a connection that drops included, and reach nobody who may not see the session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, newTenant, createUser, login, ingest, ev, connect, producer, waitFor } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

const here = dirname(fileURLToPath(import.meta.url));
const names = (list) => list.map((w) => w.name);

async function person(tenant, username, role, extra = {}) {
  await createUser(engine, tenant, { username, password: `${username}-password`, name: username[0].toUpperCase() + username.slice(1), role, ...extra });
  return login(engine, tenant.id, username, `${username}-password`);
}

/** The newest `presence` push of a session. */
const latestList = (received, sessionId) => received.filter((r) => r.name === 'presence' && r.args[0] === sessionId).at(-1)?.args[1];
const latestCount = (received, sessionId) => received.filter((r) => r.name === 'watcherCount' && r.args[0] === sessionId).at(-1)?.args[1];

async function until(check, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('Watchers join and leave: the list reaches those watching, the exact count reaches the cards, a person counts once', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('watched'), ev.received('watched'), ev.started('quiet'), ev.received('quiet')]);
  const sam = await connect(engine, await person(tenant, 'sam', 'supervisor'));
  const sueToken = await person(tenant, 'sue', 'supervisor');
  const sue = await connect(engine, sueToken);
  const sueAgain = await connect(engine, sueToken);
  const board = await connect(engine, tenant.token);
  try {
    const before = await board.connection.invoke('Subscribe', {});
    assert.deepEqual(before.watcherCounts, {});

    const samDetail = await sam.connection.invoke('WatchSession', 'watched');
    assert.deepEqual(names(samDetail.watchers), ['Sam']);
    assert.ok(samDetail.watchers[0].userId.startsWith('usr_'));
    assert.ok(Math.abs(Date.parse(samDetail.watchers[0].since) - Date.now()) < 60_000, 'since is the time the watch began');
    await until(() => latestCount(board.received, 'watched') === 1, 'the count 1 on the board');

    const sueDetail = await sue.connection.invoke('WatchSession', 'watched');
    assert.deepEqual(names(sueDetail.watchers), ['Sam', 'Sue']);
    await until(() => names(latestList(sam.received, 'watched') ?? []).join() === 'Sam,Sue', 'Sam sees Sue arrive');
    await until(() => latestCount(board.received, 'watched') === 2, 'the count 2 on the board');
    const samSince = latestList(sam.received, 'watched')[0].since;
    assert.equal(samSince, samDetail.watchers[0].since, 'Sam is watching since his own watch began');

    // Sue's second tab: still two people; a new dashboard's snapshot carries the count.
    assert.deepEqual(names((await sueAgain.connection.invoke('WatchSession', 'watched')).watchers), ['Sam', 'Sue']);
    const late = await connect(engine, tenant.token);
    try {
      const snapshot = await late.connection.invoke('Subscribe', {});
      assert.deepEqual(snapshot.watcherCounts, { watched: 2 });
    } finally {
      await late.connection.stop();
    }

    // Sue unwatches in one tab: she still watches in the other. Then that tab closes: she is gone.
    await sue.connection.invoke('UnwatchSession', 'watched');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(latestCount(board.received, 'watched'), 2);
    await sueAgain.connection.stop();
    await until(() => names(latestList(sam.received, 'watched') ?? []).join() === 'Sam', 'Sue leaves Sam\'s list');
    await until(() => latestCount(board.received, 'watched') === 1, 'the count back to 1');

    await sam.connection.invoke('UnwatchSession', 'watched');
    await until(() => latestCount(board.received, 'watched') === 0, 'the count back to 0');
    const counts = board.received.filter((r) => r.name === 'watcherCount');
    assert.deepEqual(counts.map((r) => r.args[1]), [1, 2, 1, 0], 'every change once, in order, exact');
    assert.ok(counts.every((r) => r.args[0] === 'watched'), 'no count for a session nobody watched');
    assert.deepEqual((await board.connection.invoke('Subscribe', {})).watcherCounts, {});
  } finally {
    for (const c of [sam, sue, sueAgain, board]) await c.connection.stop();
  }
});

test('A watcher whose connection drops (its process killed) leaves the list within the connection\'s time-out', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('dropped'), ev.received('dropped')]);
  const sam = await connect(engine, await person(tenant, 'sam', 'supervisor'));
  const kimToken = await person(tenant, 'kim', 'supervisor');
  // Kim's dashboard runs in a process of its own, killed without closing its connection.
  const script = `
    import * as signalR from '@microsoft/signalr';
    const c = new signalR.HubConnectionBuilder().withUrl(${JSON.stringify(`${engine.url}/hubs/live`)}, { accessTokenFactory: () => ${JSON.stringify(kimToken)} })
      .configureLogging(signalR.LogLevel.None).build();
    await c.start();
    await c.invoke('WatchSession', 'dropped');
    console.log('watching');
    setInterval(() => {}, 1000);`;
  const kim = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await sam.connection.invoke('WatchSession', 'dropped');
    await new Promise((resolve, reject) => {
      kim.stdout.on('data', (d) => { if (String(d).includes('watching')) resolve(); });
      kim.once('exit', () => reject(new Error('Kim\'s dashboard ended before watching')));
    });
    await until(() => names(latestList(sam.received, 'dropped') ?? []).join() === 'Kim,Sam' || names(latestList(sam.received, 'dropped') ?? []).join() === 'Sam,Kim', 'Kim in Sam\'s list');
    const exited = new Promise((r) => kim.once('exit', r));
    kim.kill('SIGKILL');
    await exited;
    // SignalR's client time-out (30 s) bounds how long a silent connection stays; a killed process's socket closes at once.
    await until(() => names(latestList(sam.received, 'dropped') ?? []).join() === 'Sam', 'Kim gone from Sam\'s list', 35_000);
  } finally {
    if (kim.exitCode === null && kim.signalCode === null) kim.kill('SIGKILL');
    await sam.connection.stop();
  }
});

test('Presence reaches only people who may see the session, never another tenant, never the producer', async () => {
  const tenant = await newTenant(engine);
  const other = await newTenant(engine);
  await ingest(engine, tenant, [ev.started('hers', { ownerId: 'alice' }), ev.received('hers'), ev.started('his', { ownerId: 'bob' }), ev.received('his')]);
  await ingest(engine, other, [ev.started('hers'), ev.received('hers'), ev.started('his'), ev.received('his')]);
  const alice = await connect(engine, await person(tenant, 'alice', 'agent', { agentId: 'alice' }));
  const sam = await connect(engine, await person(tenant, 'sam', 'supervisor'));
  const stranger = await connect(engine, other.token);
  const runtime = await producer(engine, tenant.key);
  try {
    await alice.connection.invoke('Subscribe', {});
    await stranger.connection.invoke('Subscribe', {});
    const strangerSelf = (await stranger.connection.invoke('WatchSession', 'his')).watchers.map((w) => w.userId);
    assert.equal(strangerSelf.length, 1);
    await alice.connection.invoke('WatchSession', 'hers');
    await assert.rejects(alice.connection.invoke('WatchSession', 'his'), /not found/);

    const onHis = await sam.connection.invoke('WatchSession', 'his');
    assert.deepEqual(names(onHis.watchers), ['Sam'], 'the other tenant\'s watcher of its own "his" is not listed');
    const onHers = await sam.connection.invoke('WatchSession', 'hers');
    assert.deepEqual(names(onHers.watchers), ['Alice', 'Sam']);
    await until(() => names(latestList(alice.received, 'hers') ?? []).join() === 'Alice,Sam', 'Alice sees Sam on her conversation');
    await until(() => latestCount(alice.received, 'hers') === 2, 'Alice\'s card count');
    await sam.connection.invoke('UnwatchSession', 'his');
    await new Promise((r) => setTimeout(r, 500));

    const of = (received, sessionId) => received.filter((r) => ['presence', 'watcherCount'].includes(r.name) && r.args[0] === sessionId);
    assert.deepEqual(of(alice.received, 'his'), [], 'Alice (role agent) learns nothing of who watches Bob\'s conversation');
    const strangerHeard = stranger.received.filter((r) => r.name === 'presence').flatMap((r) => r.args[1].map((w) => w.userId));
    assert.deepEqual([...new Set(strangerHeard)], strangerSelf, 'the other tenant hears only of its own watcher');
    assert.deepEqual(stranger.received.filter((r) => r.name === 'watcherCount').map((r) => r.args), [['his', 1]], 'the other tenant counts only its own watcher');
    assert.ok(!JSON.stringify(stranger.received).includes('Sam') && !JSON.stringify(stranger.received).includes('Alice'), 'no name of this tenant reaches the other');
    assert.deepEqual(runtime.controls, [], 'watching sends the producer nothing');
    const detail = await (await fetch(`${engine.url}/api/v1/sessions/hers`, { headers: { Authorization: `Bearer ${tenant.token}` } })).json();
    assert.equal(detail.totalMessages, 1, 'the transcript the customer sees holds no trace of the watchers');
    assert.equal(detail.totalInterventions, 0);
  } finally {
    for (const c of [alice, sam, stranger, runtime]) await c.connection.stop();
  }
});

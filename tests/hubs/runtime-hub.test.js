// /hubs/runtime: producers publish events over SignalR with the ingest rules of POST /api/v1/events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, getJson, connect, waitFor, ev, producer as connectProducer, PROTOCOLS } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

async function producer(key, protocol = 'json') {
  return (await connectProducer(engine, key, protocol)).connection;
}

for (const protocol of PROTOCOLS) test(`Publish stores events durably, counts duplicates and reaches dashboards (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const dashboard = await connect(engine, tenant.token, { protocol });
  const runtime = await producer(tenant.key, protocol);
  try {
    await dashboard.connection.invoke('Subscribe', {});
    const batch = [ev.started('rt'), ev.received('rt', 'Hello over SignalR')];
    assert.deepEqual(await runtime.invoke('Publish', batch), { accepted: 2, duplicates: 0 });
    assert.deepEqual(await runtime.invoke('Publish', batch), { accepted: 0, duplicates: 2 });

    const detail = await getJson(engine, tenant, '/api/v1/sessions/rt');
    assert.equal(detail.totalMessages, 1);
    await waitFor(dashboard.received, (r) => r.name === 'sessionUpserted' && r.args[0].sessionId === 'rt', 'the card on the dashboard');
  } finally {
    await runtime.stop();
    await dashboard.connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`A batch with a bad event is refused whole, naming the field (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const runtime = await producer(tenant.key, protocol);
  try {
    const bad = ev.received('x');
    delete bad.sessionId;
    await assert.rejects(runtime.invoke('Publish', [ev.started('ok'), bad]), /events\[1\]\.sessionId/);
    await assert.rejects(getJson(engine, tenant, '/api/v1/sessions/ok'), /404/);
    // A batch past 1 MiB (as JSON) is refused, under MessagePack too, where the same events take fewer bytes.
    const long = Array.from({ length: 500 }, (_, i) => ev.received(`big-${i % 3}`, 'x'.repeat(1990)));
    const size = Buffer.byteLength(JSON.stringify(long));
    assert.ok(size > 1024 * 1024 && size < 1024 * 1024 + 64 * 1024, `${size} bytes: over the batch limit, under the hub's message limit`);
    await assert.rejects(runtime.invoke('Publish', long), /A batch may be at most 1048576 bytes; split it into smaller batches\./);
    await assert.rejects(getJson(engine, tenant, '/api/v1/sessions/big-0'), /404/);
  } finally {
    await runtime.stop();
  }
});

test('Only a tenant API key opens the runtime hub', async () => {
  await assert.rejects(producer('lo_not_a_key'), /401|Unauthorized/);
  const tenant = await newTenant(engine);
  await assert.rejects(producer(tenant.token), /401|Unauthorized/);
});

test('Batches of many sessions\' deltas reach each watcher as token pushes, in order, none lost', async () => {
  const tenant = await newTenant(engine);
  const runtime = await producer(tenant.key);
  const both = await connect(engine, tenant.token);
  const one = await connect(engine, tenant.token);
  try {
    assert.deepEqual(await runtime.invoke('Publish', ['a', 'b', 'c'].flatMap((s) => [ev.started(s), ev.received(s, 'Go on')])), { accepted: 6, duplicates: 0 });
    await both.connection.invoke('WatchSession', 'a');
    await both.connection.invoke('WatchSession', 'b');
    await one.connection.invoke('WatchSession', 'a');

    // Six batches of three sessions, several deltas each. In batch 2 session a's share ends one reply and starts the
    // next (no message_sent between); in batch 4 session b's share opens with its reply's message_sent, then the next
    // reply's deltas; in batch 3 session b's deltas are followed by a logged event of b, which supersedes them.
    const next = { a: { reply: 1, index: 0 }, b: { reply: 1, index: 0 }, c: { reply: 1, index: 0 } };
    const expected = { a: [], b: [], c: [] };
    const deltas = (s, n) => Array.from({ length: n }, () => {
      const at = next[s];
      return ev.delta(s, `${s}-m${at.reply}`, `${s}${at.reply}.${at.index} `, at.index++);
    });
    const newReply = (s) => { next[s].reply++; next[s].index = 0; };
    for (let b = 0; b < 6; b++) {
      const events = [];
      for (const s of ['a', 'b', 'c']) {
        const share = [];
        if (s === 'b' && b === 4) {
          share.push(ev.sent('b', 'the reply', `b-m${next.b.reply}`));
          newReply('b');
        }
        share.push(...deltas(s, 3 + b));
        if (s === 'a' && b === 2) {
          newReply('a');
          share.push(...deltas(s, 4));
        }
        if (s === 'b' && b === 3) share.push(ev.received('b', 'Stop'));
        // What a watcher gets: the deltas after the share's last logged event.
        const lastLogged = share.findLastIndex((e) => e.type !== 'message_delta');
        expected[s].push(...share.slice(lastLogged + 1).map((e) => [e.messageId, e.delta, e.index]));
        events.push(...share);
      }
      await runtime.invoke('Publish', events);
    }

    const tokensOf = (received, s) => {
      const seen = new Set();
      const tokens = [];
      // A token may come twice right after WatchSession (docs/hubs.md): repeats of one already seen are dropped.
      for (const r of received.filter((x) => x.name === 'token' && x.args[0] === s)) {
        const key = `${r.args[1]}#${r.args[3]}`;
        if (!seen.has(key)) tokens.push([r.args[1], r.args[2], r.args[3]]);
        seen.add(key);
      }
      return tokens;
    };
    for (const [watcher, sessions] of [[both, ['a', 'b']], [one, ['a']]]) {
      for (const s of sessions) {
        const [lastId, , lastIndex] = expected[s].at(-1);
        await waitFor(watcher.received, (r) => r.name === 'token' && r.args[0] === s && r.args[1] === lastId && r.args[3] === lastIndex, `the last token of ${s}`);
        assert.deepEqual(tokensOf(watcher.received, s), expected[s]);
      }
    }
    assert.equal(expected.a.length, 3 + 4 + 5 + 6 + 7 + 8 + 4);
    assert.equal(expected.b.length, 3 + 4 + 5 + 7 + 8);
    assert.equal(one.received.filter((r) => r.name === 'token' && r.args[0] !== 'a').length, 0, 'tokens of watched sessions only');
    assert.equal(both.received.filter((r) => r.name === 'token' && r.args[0] === 'c').length, 0, 'nobody watches c');
  } finally {
    await runtime.stop();
    await both.connection.stop();
    await one.connection.stop();
  }
});

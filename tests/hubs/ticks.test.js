// Subscriptions with ticks on /hubs/live: `Subscribe({ push: 'ticks', window, filter })` answers a screen of `window`
// cards, then one `tick` per push tick carries what changed on it. A screen rebuilt from the frames a connection
// received equals a fresh Subscribe's; frames follow each other (base = the previous seq), one per tick at most.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, ingest, getJson, connect, ev, PROTOCOLS } from './engine.js';

let engine;
before(async () => { engine = await startEngine(); });
after(async () => { await engine?.stop(); });

/** The list order of the contract: newest activity first, then by id. */
const listOrder = (a, b) => Date.parse(b.lastActivityAt) - Date.parse(a.lastActivityAt) || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);

/** What a client holds: the snapshot, then each frame applied on top of the one before it. */
class Screen {
  constructor(snapshot) {
    this.id = snapshot.screen;
    this.seq = snapshot.seq;
    this.total = snapshot.sessions.total;
    this.cards = new Map(snapshot.sessions.items.map((c) => [c.sessionId, c]));
    this.summary = snapshot.summary;
    this.watchers = new Map(Object.entries(snapshot.watcherCounts));
    this.activity = new Map(snapshot.activity.map((a) => [a.id, a]));
  }

  apply(t) {
    assert.equal(t.screen, this.id, 'a frame of this screen');
    assert.equal(t.base, this.seq, `frame ${t.seq} is on top of ${t.base}, the client holds ${this.seq}`);
    this.seq = t.seq;
    if (t.total !== undefined) this.total = t.total;
    for (const id of t.removed ?? []) this.cards.delete(id);
    for (const card of t.upserted ?? []) this.cards.set(card.sessionId, card);
    if (t.summary) this.summary = t.summary;
    for (const [id, n] of Object.entries(t.watchers ?? {})) if (n > 0) this.watchers.set(id, n); else this.watchers.delete(id);
    for (const a of t.activity ?? []) this.activity.set(a.id, a);
  }

  list() { return [...this.cards.values()].sort(listOrder); }
}

const ticks = (received) => received.filter((r) => r.name === 'tick').map((r) => r.args[0]);

/** Seeded so that a failure can be replayed (LIVEORLEANS_SEED=n). */
function random(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

for (const protocol of PROTOCOLS) test(`A screen rebuilt from its ticks equals a fresh Subscribe, with one frame per tick at most (${protocol})`, async () => {
  const seed = Number(process.env.LIVEORLEANS_SEED ?? Date.now() % 100000);
  const rnd = random(seed);
  const tenant = await newTenant(engine);
  const live = [];
  let n = 0;
  const start = () => { const id = `s${++n}`; live.push(id); return [ev.started(id, { channel: rnd() < 0.5 ? 'web' : 'whatsapp' }), ev.received(id, `hello ${id}`)]; };
  await ingest(engine, tenant, Array.from({ length: 25 }, start).flat());

  const watching = await connect(engine, tenant.token, { protocol });
  const webOnly = await connect(engine, tenant.token, { protocol });
  try {
    const screens = [
      { conn: watching, request: { push: 'ticks', window: 10 } },
      { conn: webOnly, request: { push: 'ticks', window: 5, filter: { channels: ['web'] } } },
    ];
    for (const s of screens) {
      const snapshot = await s.conn.connection.invoke('Subscribe', s.request);
      assert.equal(snapshot.window, s.request.window);
      assert.ok(snapshot.sessions.items.length <= s.request.window);
      s.screen = new Screen(snapshot);
    }
    assert.equal(watching.received.filter((r) => r.name === 'sessionUpserted').length, 0, 'no per-card pushes with ticks');

    // Three seconds of traffic in bursts: sessions start, reply and end, some of them into the window and out.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const batch = [];
      for (let i = 0, k = 1 + Math.floor(rnd() * 8); i < k; i++) {
        const roll = rnd();
        if (roll < 0.3 || live.length === 0) batch.push(...start());
        else if (roll < 0.8) batch.push(ev.received(live[Math.floor(rnd() * live.length)], `more ${i}`));
        else batch.push(ev.ended(live.splice(Math.floor(rnd() * live.length), 1)[0]));
      }
      await ingest(engine, tenant, batch);
      await new Promise((r) => setTimeout(r, rnd() * 60));
    }
    await new Promise((r) => setTimeout(r, 800));

    for (const s of screens) {
      const frames = ticks(s.conn.received);
      assert.ok(frames.length >= 5, `seed ${seed}: frames came (${frames.length})`);
      for (const t of frames) s.screen.apply(t);
      for (let i = 1; i < frames.length; i++) assert.ok(frames[i].tick > frames[i - 1].tick, `seed ${seed}: one frame per tick (${frames[i - 1].tick}, ${frames[i].tick})`);

      const fresh = new Screen(await s.conn.connection.invoke('Subscribe', s.request));
      assert.deepEqual(s.screen.list(), fresh.list(), `seed ${seed}: the cards on screen`);
      assert.equal(s.screen.list().length, Math.min(s.request.window, fresh.total));
      assert.equal(s.screen.total, fresh.total, `seed ${seed}: the total`);
      const { asOf: _a, ...summary } = s.screen.summary;
      const { asOf: _b, ...expected } = fresh.summary;
      assert.deepEqual(summary, expected, `seed ${seed}: the summary`);
      assert.deepEqual(Object.fromEntries(s.screen.watchers), Object.fromEntries(fresh.watchers));
      for (const a of fresh.activity.values()) assert.ok(s.screen.activity.has(a.id), `seed ${seed}: activity ${a.id} reached the screen`);
    }
    // The total is the HTTP list's.
    const query = await getJson(engine, tenant, '/api/v1/live/sessions?limit=1');
    assert.equal(screens[0].screen.total, query.total);
    const web = await getJson(engine, tenant, '/api/v1/live/sessions?limit=1&channels=web');
    assert.equal(screens[1].screen.total, web.total);
  } finally {
    await watching.connection.stop();
    await webOnly.connection.stop();
  }
});

for (const protocol of PROTOCOLS) test(`A subscription that asks for ticks wrongly is refused with what is wrong (${protocol})`, async () => {
  const tenant = await newTenant(engine);
  const { connection } = await connect(engine, tenant.token, { protocol });
  try {
    const refusal = async (request) => {
      try { await connection.invoke('Subscribe', request); } catch (e) { return e.message; }
      return 'accepted';
    };
    assert.match(await refusal({ push: 'fast' }), /push must be "ticks"/);
    assert.match(await refusal({ push: 'ticks', window: 0 }), /window must be a whole number of cards from 1 to 500/);
    assert.match(await refusal({ push: 'ticks', window: 501 }), /window must be a whole number of cards from 1 to 500/);
    assert.match(await refusal({ push: 'ticks', window: 2.5 }), /window must be a whole number/);
    assert.match(await refusal({ push: 'ticks', channels: ['web'] }), /channels is not a subscription property; it takes push, window and filter/);
    assert.match(await refusal({ push: 'ticks', filter: { color: 'red' } }), /filter\.color is not a filter property/);
    const snapshot = await connection.invoke('Subscribe', { push: 'ticks' });
    assert.equal(snapshot.window, 100, 'the window is 100 cards by default');
    assert.equal(snapshot.seq >= 0, true);
  } finally {
    await connection.stop();
  }
});

test('A JSON and a MessagePack dashboard of one screen get the same snapshot and the same frames', async () => {
  const tenant = await newTenant(engine);
  await ingest(engine, tenant, Array.from({ length: 8 }, (_, i) => [ev.started(`p${i}`), ev.received(`p${i}`, `hello ${i}`)]).flat());
  const json = await connect(engine, tenant.token, { protocol: 'json' });
  const binary = await connect(engine, tenant.token, { protocol: 'messagepack' });
  try {
    const request = { push: 'ticks', window: 5, filter: { channels: ['web'] } };
    // One after the other within a tick: both join the screen at its next tick, so both snapshots are of the same frame.
    const [a, b] = await Promise.all([json.connection.invoke('Subscribe', request), binary.connection.invoke('Subscribe', request)]);
    assert.equal(a.screen, b.screen, 'one screen group');
    assert.deepEqual(b.sessions, a.sessions, 'the same cards');
    if (a.seq === b.seq) assert.deepEqual(b, a, 'the same snapshot document');

    for (let i = 0; i < 6; i++) {
      await ingest(engine, tenant, [ev.received(`p${i}`, `more ${i} é ✓ "quoted"`), ev.started(`q${i}`), ev.received(`q${i}`, 'new')]);
      await new Promise((r) => setTimeout(r, 150));
    }
    await ingest(engine, tenant, [ev.ended('p0'), ev.error('p1')]);
    await new Promise((r) => setTimeout(r, 600));
    const frames = (c) => c.received.filter((r) => r.name === 'tick').map((r) => r.args[0]);
    const fromJson = new Map(frames(json).map((t) => [t.seq, t]));
    const fromBinary = frames(binary);
    assert.ok(fromBinary.length >= 3, `frames came (${fromBinary.length})`);
    let compared = 0;
    for (const t of fromBinary) {
      if (!fromJson.has(t.seq)) continue;
      assert.deepEqual(t, fromJson.get(t.seq), `frame ${t.seq} is one document under both protocols`);
      compared++;
    }
    assert.ok(compared >= 3, `frames of the same seq under both protocols (${compared})`);
    const alerts = (c) => c.received.filter((r) => r.name === 'alert').map((r) => r.args[0]);
    assert.deepEqual(alerts(binary), alerts(json), 'the same alerts');

    // A session's detail and the refusals, word for word.
    const jsonDetail = await json.connection.invoke('WatchSession', 'p2');
    assert.deepEqual(await binary.connection.invoke('WatchSession', 'p2'), jsonDetail);
    const refusals = async (c) => Promise.all([
      ['Subscribe', 'channels=web'], ['Subscribe', { statuses: ['bogus'] }], ['Subscribe', { push: 'ticks', window: 2.5 }],
      ['WatchSession', 123], ['WatchSession', 'missing'], ['Ping', 'x'], ['Ping', null],
    ].map(([method, arg]) => c.connection.invoke(method, arg).then(() => 'accepted', (e) => e.message)));
    const words = await refusals(json);
    assert.ok(words.every((w) => w !== 'accepted'), words.join(' | '));
    assert.deepEqual(await refusals(binary), words);
  } finally {
    await json.connection.stop();
    await binary.connection.stop();
  }
});

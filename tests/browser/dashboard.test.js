// The web dashboard, as a support manager and an AI-agent supervisor use it: a real headless Chromium against the
// real Api process (its own SQLite store), traffic sent over HTTP like a producer's. Expected figures are worked
// out here from the events sent, not read back from the engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, ingest, connect, login } from '../hubs/engine.js';
import { launch, signIn } from './browser.js';

let engine;
let browser;

before(async () => {
  engine = await startEngine();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await engine?.stop();
  assert.deepEqual(browser?.errors ?? [], [], 'no script error in any page');
});

const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();
let n = 0;
const id = (p) => `${p}-${++n}`;

async function eventually(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { return await check(); } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`${what}: ${last?.message ?? last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An intervention the session's state refuses: aria-disabled (still focusable, so its reason can be reached). */
async function refused(button) {
  return (await button.getAttribute('aria-disabled')) === 'true';
}

async function text(page, selector) {
  return (await page.locator(selector).first().textContent())?.trim();
}

async function tile(page, key) {
  return text(page, `[data-metric="${key}"] .tile-value`);
}

async function createUser(tenant, username, role, agentId, name = username) {
  const r = await fetch(`${engine.url}/api/v1/users`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` },
    body: JSON.stringify({ username, password: 'person-password', name, role, agentId }),
  });
  assert.equal(r.status, 201, await r.text());
}

/** An intervention over HTTP, as another supervisor's dashboard would make it. */
async function intervene(token, sessionId, body) {
  const r = await fetch(`${engine.url}/api/v1/sessions/${sessionId}/interventions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 201, await r.text());
}

/** Three conversations and three agents: figures below follow from docs/semantics.md by hand. */
async function seed(tenant) {
  const s1 = id('web-ann'); const s2 = id('wa-bo'); const s3 = id('web-cy');
  await ingest(engine, tenant, [
    { id: id('e'), type: 'agent_status_changed', timestamp: iso(), agentId: 'bot-a', status: 'online', name: 'Support Bot', kind: 'ai', teams: ['support'] },
    { id: id('e'), type: 'agent_status_changed', timestamp: iso(), agentId: 'human-1', status: 'online', name: 'Hana', kind: 'human', teams: ['sales'] },
    { id: id('e'), type: 'agent_status_changed', timestamp: iso(), agentId: 'human-2', status: 'offline', name: 'Ivo', kind: 'human', teams: ['sales'] },
    { id: id('e'), type: 'session_started', timestamp: iso(3000), sessionId: s1, channel: 'web', agentId: 'bot-a', user: { id: 'u1', name: 'Ann' } },
    { id: id('e'), type: 'message_received', timestamp: iso(3000), sessionId: s1, message: { id: id('m'), format: 'text', text: 'Where is my **order** 42?' } },
    { id: id('e'), type: 'message_sent', timestamp: iso(2500), sessionId: s1, sender: { kind: 'ai', id: 'bot-a' }, message: { id: id('m'), format: 'text', text: 'Let me check that for you...' } },
    { id: id('e'), type: 'session_started', timestamp: iso(2000), sessionId: s2, channel: 'whatsapp', agentId: 'bot-a', priority: 'urgent', user: { id: 'u2', name: 'Bo' } },
    { id: id('e'), type: 'message_received', timestamp: iso(2000), sessionId: s2, message: { id: id('m'), format: 'text', text: 'I want a refund, now' } },
    { id: id('e'), type: 'session_started', timestamp: iso(1000), sessionId: s3, channel: 'web', agentId: 'human-1', user: { id: 'u3', name: 'Cy' }, ownerId: 'human-1', teamId: 'sales' },
    { id: id('e'), type: 'message_received', timestamp: iso(1000), sessionId: s3, message: { id: id('m'), format: 'text', text: 'Hello? Anyone there about my refund?' } },
  ]);
  return { s1, s2, s3 };
}

test('sign in: a wrong password is refused on the form, the right one opens Live Monitoring with the seed’s six metrics', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'wrong-password');
  await eventually(async () => assert.match(await text(page, '.form-error'), /wrong/), 'refusal shown');

  await page.getByLabel('Password').fill('boss-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.summary').waitFor();
  const labels = await page.locator('.tile-label').allTextContents();
  assert.deepEqual(labels, ['Active conversations today', 'Waiting for first response', 'Assigned', 'Unassigned', 'Open', 'Closed']);
  assert.equal(await text(page, '.chart h2'), 'Conversations initiated per hour');
  assert.equal(await text(page, '.agents h2'), 'Agents');
  await eventually(async () => assert.match(await text(page, '.connection'), /Connected · \d+ ms/), 'connected with a measured latency');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.close();
});

test('Live Monitoring moves with the traffic; Channel filters the figures but not the Agents panel', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  // The dashboard speaks MessagePack to /hubs/live (docs/hubs.md, Protocols): its handshake names it, pushes come binary.
  const hub = { protocols: [], binary: 0 };
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/hubs/live')) return;
    ws.on('framesent', (f) => { if (typeof f.payload === 'string' && f.payload.includes('"protocol"')) hub.protocols.push(JSON.parse(f.payload.split('\x1e')[0]).protocol); });
    ws.on('framereceived', (f) => { if (typeof f.payload !== 'string') hub.binary++; });
  });
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('.summary').waitFor();
  // The seed's messages are up to 3 s old and the chart is hovered a few seconds later: keep them all in one hour
  // (and one day) by not seeding across the top of an hour.
  const intoHour = Date.now() % 3_600_000;
  const wait = intoHour > 3_600_000 - 30_000 ? 3_600_000 - intoHour + 5_000 : intoHour < 5_000 ? 5_000 - intoHour : 0;
  await new Promise((r) => setTimeout(r, wait));
  const seededAt = new Date();
  await seed(tenant);

  // Active: all three have a message today. Waiting: s2, s3 (no business reply). Assigned: s3 (owner human-1).
  await eventually(async () => assert.deepEqual(
    [await tile(page, 'activeConversations'), await tile(page, 'waitingForFirstResponse'), await tile(page, 'assigned'),
      await tile(page, 'unassigned'), await tile(page, 'open'), await tile(page, 'closed')],
    ['3', '2', '1', '2', '3', '0']), 'summary pushed');
  // The same figures as the API's own answer.
  const api = await (await fetch(`${engine.url}/api/v1/live/summary`, { headers: { Authorization: `Bearer ${tenant.token}` } })).json();
  assert.deepEqual(
    [await tile(page, 'activeConversations'), await tile(page, 'waitingForFirstResponse'), await tile(page, 'assigned'),
      await tile(page, 'unassigned'), await tile(page, 'open'), await tile(page, 'closed')],
    [api.activeConversations, api.waitingForFirstResponse, api.assigned, api.unassigned, api.open, api.closed].map(String));
  await eventually(async () => assert.equal(await text(page, '.counter.online strong'), '2'), 'two agents online');
  assert.equal(await text(page, '.counter.offline strong'), '1');
  assert.match(await text(page, '[data-agent="human-1"]'), /Hana.*Online/);

  // Hovering the current hour's point shows the exact count: three customer-initiated conversations.
  const box = await page.locator('.chart-host .u-over').boundingBox();
  const hour = seededAt.getHours();
  // The last hour's point sits on the plot's right edge: stay a pixel inside it.
  await page.mouse.move(box.x + Math.min((box.width * hour) / 23, box.width - 1), box.y + box.height / 2);
  await eventually(async () => assert.match(await text(page, '.chart-tooltip'), new RegExp(`^${String(hour).padStart(2, '0')}:00.*· 3 conversations initiated`)), 'tooltip');

  // Channel = Web: s1 and s3 only; the Agents panel ignores the channel filter.
  await page.locator('[data-filter="Channel"] summary').click();
  await page.locator('[data-filter="Channel"] label', { hasText: 'Web' }).locator('input').check();
  await eventually(async () => assert.deepEqual([await tile(page, 'activeConversations'), await tile(page, 'waitingForFirstResponse'), await tile(page, 'unassigned')], ['2', '1', '1']), 'web only');
  assert.equal(await text(page, '.counter.online strong'), '2');
  assert.equal(await text(page, '.counter.offline strong'), '1');

  // Team = sales: the panel keeps sales agents only (Hana, Ivo); figures: s3 only.
  await page.reload();
  await page.locator('.summary').waitFor();
  assert.equal(await text(page, '[data-filter="Channel"] .ms-value'), 'Web', 'the filter survived the reload');
  await page.locator('[data-filter="Team"] summary').click();
  await page.locator('[data-filter="Team"] label', { hasText: 'sales' }).locator('input').check();
  await eventually(async () => assert.equal(await page.locator('.agent-list .agent').count(), 2), 'sales agents');
  assert.equal(await tile(page, 'activeConversations'), '1');
  assert.ok(hub.protocols.length > 0 && hub.protocols.every((p) => p === 'messagepack'), `handshakes: ${hub.protocols.join(', ')}`);
  assert.ok(hub.binary > 0, 'binary frames came');
  await page.close();
});

test('Live Conversations: cards newest first with their parts, metrics bar, activity log, filters that survive a refresh', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('.summary').waitFor();
  await page.getByRole('link', { name: 'Live Conversations' }).click();
  await page.locator('.metrics-bar').waitFor();
  const { s1, s2, s3 } = await seed(tenant);

  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s3, s2, s1]), 'cards newest first');
  const urgent = page.locator(`.card[data-session="${s2}"]`);
  assert.match(await urgent.getAttribute('class'), /priority-urgent/);
  assert.match(await urgent.locator('.agent-badge').textContent(), /Support Bot/);
  assert.match(await urgent.locator('.channel').textContent(), /WhatsApp/);
  assert.equal(await urgent.locator('.user').textContent(), 'Bo');
  assert.match(await urgent.locator('.elapsed').textContent(), /^0:0\d$/);
  assert.equal(await urgent.locator('.preview').textContent(), 'I want a refund, now');
  const before = await urgent.locator('.elapsed').textContent();
  await eventually(async () => assert.notEqual(await urgent.locator('.elapsed').textContent(), before), 'elapsed time ticks', 3000);

  await eventually(async () => assert.equal(await text(page, '[data-metric="liveSessions"] .metric-value'), '3'), 'metrics bar');
  assert.equal(await text(page, '[data-metric="startedLastHour"] .metric-value'), '3');
  await eventually(async () => assert.ok((await page.locator('.activity li').count()) >= 3), 'activity log');

  // Keyword: matches are highlighted in the card previews; the filter survives a refresh.
  await page.getByLabel('Keyword').fill('refund');
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s3, s2]), 'keyword filter');
  assert.equal(await page.locator(`.card[data-session="${s2}"] mark`).textContent(), 'refund');
  await page.reload();
  await page.locator('.metrics-bar').waitFor();
  assert.equal(await page.getByLabel('Keyword').inputValue(), 'refund');
  await eventually(async () => assert.equal(await page.locator('.card').count(), 2), 'still filtered after reload');

  // Channel: WhatsApp narrows the cards, and survives a reload too.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.locator('[data-filter="Channel"] summary').click();
  await page.locator('[data-filter="Channel"] label', { hasText: 'WhatsApp' }).locator('input').check();
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s2]), 'channel filter');
  await page.reload();
  await page.locator('.metrics-bar').waitFor();
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s2]), 'channel filter after reload');
  assert.equal(await text(page, '[data-filter="Channel"] .ms-value'), 'WhatsApp');

  // A new event changes the page without a reload.
  const s4 = id('late');
  await ingest(engine, tenant, [{ id: id('e'), type: 'session_started', timestamp: iso(), sessionId: s4, channel: 'whatsapp', agentId: 'bot-a', user: { id: 'u4', name: 'Di' } }]);
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s4, s2]), 'pushed card');

  // Priority: high and urgent only.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.locator('[data-filter="Priority"] summary').click();
  await page.locator('[data-filter="Priority"] label', { hasText: 'Urgent' }).locator('input').check();
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s2]), 'priority filter');

  // Agent multi-select with Select All.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.locator('[data-filter="Agent"] summary').click();
  await page.locator('[data-filter="Agent"] label', { hasText: 'Hana' }).locator('input').check();
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s3]), 'agent filter');
  await page.locator('[data-filter="Agent"] summary').click();
  await page.locator('[data-filter="Agent"] .ms-all input').check();
  await eventually(async () => assert.equal(await page.locator('.card').count(), 4), 'select all');
  await page.close();
});

test('saved views: save the current filters, pick, rename, delete; the seed’s examples are one click away', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.goto(`${engine.url}/#/conversations`);
  await page.locator('.views').waitFor();
  const { s2 } = await seed(tenant);

  await page.getByRole('button', { name: 'WhatsApp Monitoring' }).click();
  await eventually(async () => assert.deepEqual(await page.locator('.card').evaluateAll((cards) => cards.map((c) => c.dataset.session)), [s2]), 'example view applied');
  await page.getByRole('button', { name: 'Save view' }).click();
  await page.locator('dialog').getByLabel('Name').fill('Bo on WhatsApp');
  await page.locator('dialog').getByRole('button', { name: 'Save' }).click();
  await eventually(async () => assert.equal(await page.locator('select[aria-label="Saved views"] option:checked').textContent(), 'Bo on WhatsApp'), 'saved and selected');

  // It is on the server, for this person.
  const views = await (await fetch(`${engine.url}/api/v1/views`, { headers: { Authorization: `Bearer ${tenant.token}` } })).json();
  assert.deepEqual(views.map((v) => [v.name, v.filter.channels]), [['Bo on WhatsApp', ['whatsapp']]]);

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await eventually(async () => assert.equal(await page.locator('.card').count(), 3), 'cleared');
  await page.locator('select[aria-label="Saved views"]').selectOption({ label: 'Bo on WhatsApp' });
  await eventually(async () => assert.equal(await page.locator('.card').count(), 1), 'picked');

  await page.getByRole('button', { name: 'Rename' }).click();
  await page.locator('dialog').getByLabel('Name').fill('WhatsApp desk');
  await page.locator('dialog').getByRole('button', { name: 'Rename' }).click();
  await eventually(async () => assert.equal(await page.locator('select[aria-label="Saved views"] option:checked').textContent(), 'WhatsApp desk'), 'renamed');

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await eventually(async () => assert.equal(await page.locator('select[aria-label="Saved views"] option').count(), 1), 'deleted');
  const left = await (await fetch(`${engine.url}/api/v1/views`, { headers: { Authorization: `Bearer ${tenant.token}` } })).json();
  assert.deepEqual(left, []);
  await page.close();
});

test('detail: markdown shown safely, attachments and voice, tokens streaming in, then the final message', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.goto(`${engine.url}/#/conversations`);
  await page.locator('.metrics-bar').waitFor();
  const s = id('rich');
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(), sessionId: s, channel: 'phone', agentId: 'bot-a', user: { id: 'u9', name: 'Dee' } },
    { id: id('e'), type: 'message_received', timestamp: iso(), sessionId: s, message: { id: id('m'), format: 'text',
      text: '<script>window.pwned1 = 1</script><img src=x onerror="window.pwned2 = 1"> **bold** and [bad](javascript:window.pwned3=1) and [good](https://example.com/help)' } },
    { id: id('e'), type: 'message_received', timestamp: iso(), sessionId: s, message: { id: id('m'), format: 'media', attachments: [
      { type: 'document', url: 'https://files.example.com/invoice.pdf', name: 'invoice.pdf', mimeType: 'application/pdf', sizeBytes: 204800 }] } },
    { id: id('e'), type: 'message_received', timestamp: iso(), sessionId: s, message: { id: id('m'), format: 'voice', text: 'my parcel is late', speaker: 'caller', confidence: 0.93 } },
  ]);
  await page.locator(`.card[data-session="${s}"] button`).click();
  await page.locator('.detail .transcript .message').first().waitFor();

  const first = page.locator('.transcript .message').first();
  assert.match(await first.textContent(), /<script>window.pwned1 = 1<\/script><img src=x onerror="window.pwned2 = 1">/);
  assert.equal(await first.locator('strong').textContent(), 'bold');
  assert.equal(await first.locator('a').count(), 1, 'only the https link is a link');
  assert.equal(await first.locator('a').getAttribute('href'), 'https://example.com/help');
  assert.equal(await first.locator('script, img').count(), 0);
  assert.deepEqual(await page.evaluate(() => [window.pwned1, window.pwned2, window.pwned3]), [undefined, undefined, undefined]);
  assert.equal(await text(page, '.attachment-document'), 'invoice.pdf · application/pdf · 200.0 KB');
  assert.equal(await text(page, '.voice-meta'), 'caller · confidence 93 %');
  // Icons are SVGs shipped with the dashboard, never emoji (a browser without an emoji font shows empty boxes).
  assert.equal(await page.locator('.attachment-document a svg.icon').getAttribute('data-icon'), 'download');
  assert.equal(await page.locator('.voice-meta svg.icon').getAttribute('data-icon'), 'mic');
  assert.equal(await page.evaluate(() => /\p{Extended_Pictographic}/u.test(document.body.innerText)), false, 'no emoji on the page');

  // A reply streams in token by token, then arrives whole.
  const reply = id('m');
  await ingest(engine, tenant, [{ id: id('e'), type: 'agent_thinking', timestamp: iso(), sessionId: s }]);
  await eventually(async () => assert.equal(await text(page, '.stream-state'), 'Thinking'), 'thinking');
  const deltas = ['Your parcel ', 'left the depot ', 'this morning.'];
  await ingest(engine, tenant, deltas.map((delta, index) => ({ id: id('e'), type: 'message_delta', timestamp: iso(), sessionId: s, messageId: reply, delta, index })));
  await eventually(async () => assert.equal(await text(page, '.message.streaming .message-body'), deltas.join('')), 'typewriter');
  assert.equal(await text(page, '.stream-state'), 'Streaming');
  await ingest(engine, tenant, [{ id: id('e'), type: 'message_sent', timestamp: iso(), sessionId: s, sender: { kind: 'ai', id: 'bot-a' }, message: { id: reply, format: 'text', text: 'Your parcel left the depot this morning.' } }]);
  await eventually(async () => assert.equal(await page.locator('.message.streaming').count(), 0), 'stream ended');
  assert.equal(await text(page, `.message[data-message="${reply}"] .message-body`), 'Your parcel left the depot this morning.');
  assert.equal(await text(page, '.stream-state'), 'Complete');

  // A long conversation shows whole, not only the first page of its transcript.
  const long = id('long');
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(60_000), sessionId: long, channel: 'web', agentId: 'bot-a', user: { id: 'u10' } },
    ...Array.from({ length: 160 }, (_, i) => ({ id: id('e'), type: 'message_received', timestamp: iso(60_000 - i * 100), sessionId: long, message: { id: `long-${i}`, format: 'text', text: `line ${i}` } })),
  ]);
  await page.goto(`${engine.url}/#/conversations/${long}`);
  await eventually(async () => assert.equal(await page.locator('.transcript .message').count(), 160), 'every message of a long transcript');
  assert.equal(await page.locator('.transcript .message').last().locator('.message-body').textContent(), 'line 159');

  await page.close();
});

test('detail: who else is watching, by name and since when, coming and going live; the card counts the watchers', async () => {
  const tenant = await newTenant(engine);
  await createUser(tenant, 'sam', 'supervisor');
  const s = id('watched');
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(), sessionId: s, channel: 'web', agentId: 'bot-a', user: { id: 'u11', name: 'Eve' } },
    { id: id('e'), type: 'message_received', timestamp: iso(), sessionId: s, message: { id: id('m'), format: 'text', text: 'Anyone there?' } },
  ]);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.goto(`${engine.url}/#/conversations`);
  await page.locator(`.card[data-session="${s}"] button`).click();
  await page.locator('.detail .transcript .message').first().waitFor();
  await eventually(async () => assert.equal(await text(page, '.detail .watchers .watcher-list'), 'nobody else'), 'alone at first');
  await eventually(async () => assert.equal(await text(page, `.card[data-session="${s}"] .watcher-count`), '1 watching'), 'the card counts the boss');

  // Sam, another supervisor, opens the same conversation from his own dashboard.
  const sam = await connect(engine, await login(engine, tenant.id, 'sam', 'person-password'));
  try {
    const watched = await sam.connection.invoke('WatchSession', s);
    const since = watched.watchers.find((w) => w.name === 'sam').since;
    await eventually(async () => assert.equal(await page.locator('.detail .watchers .watcher').count(), 1), 'Sam appears');
    assert.equal(await text(page, '.detail .watchers .watcher-name'), 'sam');
    assert.equal(await page.locator('.detail .watchers .watcher time').getAttribute('datetime'), since);
    assert.match(await text(page, '.detail .watchers .watcher time'), /^since \d{1,2}:\d{2}:\d{2}/);
    await eventually(async () => assert.equal(await text(page, `.card[data-session="${s}"] .watcher-count`), '2 watching'), 'the card counts two');
  } finally {
    await sam.connection.stop();
  }
  // Sam closes his dashboard: he leaves the list and the count.
  await eventually(async () => assert.equal(await text(page, '.detail .watchers .watcher-list'), 'nobody else'), 'Sam leaves');
  await eventually(async () => assert.equal(await text(page, `.card[data-session="${s}"] .watcher-count`), '1 watching'), 'the card back to one');
  await page.close();
});

test('detail: a tab hidden for long stops watching, and watches again when shown', async () => {
  const tenant = await newTenant(engine);
  await createUser(tenant, 'sam', 'supervisor');
  const s = id('hidden');
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(), sessionId: s, channel: 'web', agentId: 'bot-a', user: { id: 'u12', name: 'Ann' } },
    { id: id('e'), type: 'message_received', timestamp: iso(), sessionId: s, message: { id: id('m'), format: 'text', text: 'Hello?' } },
  ]);
  const sam = await connect(engine, await login(engine, tenant.id, 'sam', 'person-password'));
  const page = await browser.page();
  try {
    await sam.connection.invoke('WatchSession', s);
    const seen = () => sam.received.filter((r) => r.name === 'presence' && r.args[0] === s).at(-1)?.args[1].map((w) => w.name).sort().join();
    // The boss's dashboard keeps its watches for 1 s of a hidden tab instead of 60 s.
    await page.addInitScript(() => localStorage.setItem('liveorleans.hiddenUnwatchSeconds', '1'));
    await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
    await page.goto(`${engine.url}/#/conversations/${s}`);
    await page.locator('.detail .transcript .message').first().waitFor();
    await eventually(() => assert.equal(seen(), 'boss,sam'), 'Sam sees the boss arrive');

    // The tab is hidden (as the browser reports it when another tab is in front): after 1 s the boss is gone.
    const visibility = (state) => page.evaluate((v) => {
      Object.defineProperty(document, 'visibilityState', { value: v, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
    await visibility('hidden');
    await eventually(() => assert.equal(seen(), 'sam'), 'the hidden tab gave its watch up');
    await eventually(async () => assert.equal(await text(page, `.card[data-session="${s}"] .watcher-count`), '1 watching'), 'the card counts Sam alone');

    // Shown again: it watches again, and its detail lists Sam.
    await visibility('visible');
    await eventually(() => assert.equal(seen(), 'boss,sam'), 'back on screen, watching again');
    await eventually(async () => assert.equal(await text(page, '.detail .watchers .watcher-name'), 'sam'), 'the detail lists Sam again');
  } finally {
    await sam.connection.stop();
    await page.close();
  }
});

test('detail: a customer’s `*_` × 8,000 is shown with the rest of the transcript, and the controls stay', async () => {
  // Issue 18: this text made the markdown renderer overflow the stack, and the detail showed no transcript and no
  // intervention buttons. Now italics nest 16 deep and the rest is shown as characters, beside the next message.
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('.summary').waitFor();
  const s = id('stars');
  const hostile = '*_'.repeat(8000);
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(2000), sessionId: s, channel: 'web', agentId: 'bot-a', user: { id: 'u11', name: 'Eve' } },
    { id: id('e'), type: 'message_received', timestamp: iso(2000), sessionId: s, message: { id: 'hostile', format: 'text', text: hostile } },
    { id: id('e'), type: 'message_received', timestamp: iso(1000), sessionId: s, message: { id: 'normal', format: 'text', text: 'Is **anyone** there?' } },
  ]);
  await page.goto(`${engine.url}/#/conversations/${s}`);
  await page.locator('.controls button', { hasText: 'Pause' }).waitFor();
  assert.deepEqual(await page.locator('.controls button').allTextContents(),
    ['Pause', 'Resume', 'Send system message', 'Override response', 'Guide', 'Take over', 'Hand back', 'Transfer', 'Reassign', 'Co-browse']);
  await eventually(async () => assert.equal(await page.locator('.transcript .message').count(), 2), 'both messages in the transcript');

  const first = page.locator('.transcript .message[data-message="hostile"] .message-body');
  assert.equal(await first.locator('em').count(), 16, 'italics nested to the limit');
  // `*`, then 16 italics each taking one marker from either end, then the rest as it was typed.
  assert.equal(await first.textContent(), `*${hostile.slice(17, hostile.length - 16)}`);
  const second = page.locator('.transcript .message[data-message="normal"] .message-body');
  assert.equal(await second.textContent(), 'Is anyone there?');
  assert.equal(await second.locator('strong').textContent(), 'anyone');
  // The text wraps inside the transcript rather than widening the view.
  const [bubble, panel] = await Promise.all([first.boundingBox(), page.locator('.transcript-panel').boundingBox()]);
  assert.ok(bubble.x + bubble.width <= panel.x + panel.width + 1, `the message (${bubble.width} px) fits its panel (${panel.width} px)`);
  await page.close();
});

test('detail: a message the renderer fails on is shown as its characters, and the rest of the view is drawn', async () => {
  // Issue 18: one message that cannot be drawn must never stop the transcript or the controls. No text makes the
  // renderer throw any more, so this page's renderer is made to fail on italics, as it once failed on `*_` × 8,000.
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await page.addInitScript(() => {
    const create = Document.prototype.createElement;
    Document.prototype.createElement = function (tag, ...rest) {
      if (String(tag).toLowerCase() === 'em') throw new RangeError('Maximum call stack size exceeded');
      return create.call(this, tag, ...rest);
    };
  });
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('.summary').waitFor();
  const s = id('unrendered');
  const failing = 'Where is _my_ parcel?\nIt was due **Monday**.';
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(3000), sessionId: s, channel: 'web', agentId: 'bot-a', user: { id: 'u12', name: 'Fay' } },
    { id: id('e'), type: 'message_received', timestamp: iso(3000), sessionId: s, message: { id: 'before', format: 'text', text: 'Hello **there**' } },
    { id: id('e'), type: 'message_received', timestamp: iso(2000), sessionId: s, message: { id: 'failing', format: 'text', text: failing } },
    { id: id('e'), type: 'message_received', timestamp: iso(1000), sessionId: s, message: { id: 'after', format: 'text', text: 'Anyone **home**?' } },
  ]);
  await page.goto(`${engine.url}/#/conversations/${s}`);
  await page.locator('.controls button', { hasText: 'Pause' }).waitFor();
  assert.deepEqual(await page.locator('.controls button').allTextContents(),
    ['Pause', 'Resume', 'Send system message', 'Override response', 'Guide', 'Take over', 'Hand back', 'Transfer', 'Reassign', 'Co-browse']);
  await eventually(async () => assert.equal(await page.locator('.transcript .message').count(), 3), 'all three messages in the transcript');

  // The failing message: its characters as typed, markers included, in one plain paragraph keeping its line break.
  const body = page.locator('.transcript .message[data-message="failing"] .message-body');
  assert.equal(await body.locator('p.plain').count(), 1);
  assert.equal(await body.textContent(), failing);
  assert.equal(await body.locator('strong, em').count(), 0);
  assert.equal(await body.locator('p.plain').evaluate((p) => getComputedStyle(p).whiteSpace), 'pre-wrap');
  // The messages on either side are drawn as markdown.
  for (const [message, text, strong] of [['before', 'Hello there', 'there'], ['after', 'Anyone home?', 'home']]) {
    const other = page.locator(`.transcript .message[data-message="${message}"] .message-body`);
    assert.equal(await other.textContent(), text);
    assert.equal(await other.locator('strong').textContent(), strong);
  }
  await page.close();
});

test('interventions: a required reason, the result at once, the server’s refusal shown, audit entries listed; none for a viewer', async () => {
  const tenant = await newTenant(engine);
  const { s1 } = await seed(tenant);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.goto(`${engine.url}/#/conversations/${s1}`);
  await page.locator('.controls button', { hasText: 'Pause' }).waitFor();
  assert.deepEqual(await page.locator('.controls button').allTextContents(),
    ['Pause', 'Resume', 'Send system message', 'Override response', 'Guide', 'Take over', 'Hand back', 'Transfer', 'Reassign', 'Co-browse']);

  await page.locator('.controls button', { hasText: 'Pause' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByRole('button', { name: 'Pause' }).click();
  assert.equal(await dialog.count(), 1, 'no reason: the dialog stays open');
  assert.equal(await dialog.getByLabel('Reason').evaluate((el) => el.validity.valueMissing), true);
  await dialog.getByLabel('Reason').fill('Checking the refund policy');
  await dialog.getByRole('button', { name: 'Pause' }).click();
  await eventually(async () => assert.equal(await text(page, '.detail-header .state-badge'), 'Paused'), 'paused at once');
  await eventually(async () => assert.match(await text(page, '.interventions li'), /Pause.*Reason: Checking the refund policy/s), 'audit entry listed');
  await eventually(async () => assert.equal(await text(page, `.card[data-session="${s1}"] .state-badge`), 'Paused'), 'the card shows paused');

  // Paused, the dashboard offers no second pause.
  await eventually(async () => assert.equal(await refused(page.locator('.controls button', { hasText: 'Pause' })), true), 'Pause disabled');

  await page.locator('.controls button', { hasText: 'Resume' }).click();
  await dialog.getByLabel('Reason').fill('Policy confirmed');
  await dialog.getByRole('button', { name: 'Resume' }).click();
  await eventually(async () => assert.equal(await text(page, '.detail-header .state-badge'), 'Active'), 'resumed');
  assert.equal(await page.locator('.interventions li').count(), 2);

  // A pause that another supervisor made while the dialog was open: the server refuses (409) and the dialog says why.
  await eventually(async () => assert.equal(!(await refused(page.locator('.controls button', { hasText: 'Pause' }))), true), 'Pause enabled again');
  await page.locator('.controls button', { hasText: 'Pause' }).click();
  await dialog.getByLabel('Reason').fill('again');
  await intervene(tenant.token, s1, { type: 'pause', reason: 'Someone else first' });
  await dialog.getByRole('button', { name: 'Pause' }).click();
  await eventually(async () => assert.match(await text(page, 'dialog[open] .dialog-error'), /already paused/i), 'refusal shown');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await eventually(async () => assert.equal(await page.locator('.interventions li').count(), 3), 'the other pause listed');

  await createUser(tenant, 'watcher', 'viewer');
  const viewer = await browser.page();
  await signIn(viewer, engine.url, tenant.id, 'watcher', 'person-password');
  await viewer.locator('.summary').waitFor();
  await viewer.goto(`${engine.url}/#/conversations/${s1}`);
  await viewer.locator('.detail .transcript .message').first().waitFor();
  assert.equal(await viewer.locator('.controls button').count(), 0);
  assert.equal(await viewer.locator('.interventions li').count(), 3, 'a viewer reads the audit entries');
  await viewer.close();
  await page.close();
});

test('guidance: Guide sends a private note to the agent, shown in the timeline as guidance with its author, never as a message', async () => {
  const tenant = await newTenant(engine);
  const { s2 } = await seed(tenant);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.goto(`${engine.url}/#/conversations/${s2}`);
  await page.locator('.controls button', { hasText: 'Guide' }).waitFor();
  await eventually(async () => assert.equal(await page.locator('.transcript .message').count(), 1), 'the customer’s message shown');

  await page.locator('.controls button', { hasText: 'Guide' }).click();
  const dialog = page.locator('dialog[open]');
  assert.match(await dialog.locator('h2').textContent(), /Guide the agent/);
  assert.equal(await dialog.evaluate((el) => /\p{Extended_Pictographic}/u.test(el.innerText)), false, 'no emoji in the dialog');
  await dialog.getByLabel('Reason').fill('Retention policy');
  await dialog.getByRole('button', { name: 'Send guidance' }).click();
  assert.equal(await dialog.count(), 1, 'no note: the dialog stays open');
  assert.equal(await dialog.getByLabel('Guidance').evaluate((el) => el.validity.valueMissing), true);
  const note = 'Offer the 10% loyalty discount before a refund.';
  await dialog.getByLabel('Guidance').fill(note);
  await dialog.getByRole('button', { name: 'Send guidance' }).click();

  // In the timeline: a guidance note with its author, distinct from the engine's system messages.
  const shown = page.locator('.transcript .message.guidance-note');
  await eventually(async () => assert.equal(await shown.count(), 1), 'the note in the transcript');
  assert.match(await shown.locator('.message-meta').textContent(), /^Guidance to the agent · by .+ · .+ · private, not shown to the customer$/);
  assert.match(await shown.locator('.author').getAttribute('title'), /^usr_/);
  assert.equal((await shown.locator('.message-body').textContent()).trim(), note);
  assert.equal(await page.locator('.transcript .message.system').count(), 0, 'no system message');
  assert.equal(await page.locator('.transcript .message:not(.guidance-note)').count(), 1, 'no message to the customer');
  await eventually(async () => assert.match(await text(page, '.interventions li.guidance'), /Guidance to the agent.*Reason: Retention policy.*Note: Offer the 10% loyalty discount/s), 'listed');
  // The session's own messages, as the engine has them, do not include it.
  const detail = await (await fetch(`${engine.url}/api/v1/sessions/${s2}`, { headers: { Authorization: `Bearer ${tenant.token}` } })).json();
  assert.deepEqual(detail.messages.map((m) => m.text), ['I want a refund, now']);

  // Another person who may see the session finds the note there when they open it.
  await createUser(tenant, 'sup', 'supervisor');
  const other = await browser.page();
  await signIn(other, engine.url, tenant.id, 'sup', 'person-password');
  await other.locator('.summary').waitFor();
  await other.goto(`${engine.url}/#/conversations/${s2}`);
  await eventually(async () => assert.equal(await other.locator('.transcript .message.guidance-note .message-body').textContent(), note), 'the note after opening');
  await other.close();
  await page.close();
});

test('takeover: Take over makes me the holder shown on the card and in the header, refuses the AI, and Hand back returns it with a note', async () => {
  const tenant = await newTenant(engine);
  const { s2 } = await seed(tenant);
  await createUser(tenant, 'sue', 'supervisor', undefined, 'Sue Park');
  await createUser(tenant, 'max', 'supervisor', undefined, 'Max Roe');
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'sue', 'person-password');
  await page.locator('.summary').waitFor();
  await page.goto(`${engine.url}/#/conversations/${s2}`);
  const takeOver = page.locator('.controls button', { hasText: 'Take over' });
  const handBack = page.locator('.controls button', { hasText: 'Hand back' });
  await takeOver.waitFor();
  assert.equal(await refused(handBack), true);
  assert.equal(await handBack.getAttribute('title'), 'The conversation is not taken over; there is nothing to hand back.');

  await takeOver.click();
  const dialog = page.locator('dialog[open]');
  assert.match(await dialog.locator('h2').textContent(), /Take over the conversation/);
  await dialog.getByLabel('Reason').fill('Escalation');
  await dialog.getByRole('button', { name: 'Take over' }).click();
  await eventually(async () => assert.equal(await text(page, '.detail-header .held-badge'), 'Held by Sue Park'), 'the holder in the header');
  assert.equal(await refused(takeOver), true);
  assert.equal(await takeOver.getAttribute('title'), 'You already hold this conversation.');
  assert.equal(await refused(handBack), false);

  // The engine refuses the AI's reply now, typed; the customer was told a person joined.
  const aiReply = await fetch(`${engine.url}/api/v1/events`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': tenant.key },
    body: JSON.stringify({ events: [{ id: id('e'), type: 'message_sent', timestamp: iso(), sessionId: s2, sender: { kind: 'ai', id: 'bot-a' }, message: { id: id('m'), format: 'text', text: 'AI here' } }] }),
  });
  assert.equal(aiReply.status, 409);
  assert.equal((await aiReply.json()).refusal, 'taken_over');
  await eventually(async () => assert.match(await text(page, '.transcript'), /A member of our team has joined the conversation\./), 'the system message');

  // Another supervisor sees who holds it, on the card and in the detail, and may neither take it nor hand it back.
  const other = await browser.page();
  await signIn(other, engine.url, tenant.id, 'max', 'person-password');
  await other.locator('.summary').waitFor();
  await other.goto(`${engine.url}/#/conversations`);
  await eventually(async () => assert.equal(await text(other, `.card[data-session="${s2}"] .held-badge`), 'Held by Sue Park'), 'the holder on the card');
  await other.goto(`${engine.url}/#/conversations/${s2}`);
  const theirTakeOver = other.locator('.controls button', { hasText: 'Take over' });
  await theirTakeOver.waitFor();
  assert.equal(await refused(theirTakeOver), true);
  assert.equal(await theirTakeOver.getAttribute('title'), 'Held by Sue Park; they (or an admin) must hand it back first.');
  assert.equal(await other.locator('.controls button', { hasText: 'Hand back' }).getAttribute('title'), 'Held by Sue Park: only they or an admin may hand it back.');

  // Sue hands it back with a note for the agent; both views follow.
  await handBack.click();
  await dialog.getByLabel('Note to the agent (optional)').fill('Refund approved; confirm the date.');
  await dialog.getByLabel('Reason').fill('Resolved');
  await dialog.getByRole('button', { name: 'Hand back' }).click();
  await eventually(async () => assert.equal(await page.locator('.detail-header .held-badge').count(), 0), 'no holder in the header');
  assert.equal(await refused(takeOver), false);
  await eventually(async () => assert.equal(await refused(theirTakeOver), false), 'the other supervisor may take it now');
  await eventually(async () => assert.match(await text(page, '.interventions'), /Handback.*Note: Refund approved; confirm the date\./s), 'the handback listed with its note');
  assert.equal(await page.locator('.transcript .message.guidance-note .message-body').textContent(), 'Refund approved; confirm the date.');
  await other.close();
  await page.close();
});

test('detail, as a supervisor sees it: actions the state refuses disabled with the reason, people named, SVG channel icons', async () => {
  const tenant = await newTenant(engine);
  const { s1, s2, s3 } = await seed(tenant);
  const s4 = id('fax-ed');
  await ingest(engine, tenant, [
    { id: id('e'), type: 'session_started', timestamp: iso(), sessionId: s4, channel: 'fax', agentId: 'bot-a', user: { id: 'u4', name: 'Ed' } },
  ]);
  await createUser(tenant, 'sue', 'supervisor', undefined, 'Sue Park');
  await intervene(await login(engine, tenant.id, 'sue', 'person-password'), s1, { type: 'pause', reason: 'Checking the refund policy' });

  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'sue', 'person-password');
  await page.locator('.summary').waitFor();
  await page.goto(`${engine.url}/#/conversations`);
  // Every card's channel icon is an SVG shipped with the dashboard; an unknown slug gets the generic one.
  await eventually(async () => assert.equal(await page.locator('.card').count(), 4), 'four cards');
  assert.equal(await page.locator('.card .channel svg.channel-icon').count(), 4);
  assert.equal(await page.locator(`.card[data-session="${s2}"] .channel svg`).getAttribute('data-channel'), 'whatsapp');
  assert.equal(await page.locator(`.card[data-session="${s4}"] .channel svg`).getAttribute('data-channel'), 'unknown');
  assert.equal(await text(page, `.card[data-session="${s2}"] .channel`), 'WhatsApp', 'no emoji beside the name');
  assert.ok(await page.locator(`.card[data-session="${s2}"] .channel svg path`).evaluate((p) => p.getTotalLength() > 10), 'the icon draws something');

  // A paused session: Pause disabled with the reason on hover and for screen readers; Resume and the rest enabled.
  await page.goto(`${engine.url}/#/conversations/${s1}`);
  await page.locator('.controls button', { hasText: 'Resume' }).waitFor();
  assert.equal(await page.locator('.detail-header .channel svg.channel-icon').getAttribute('data-channel'), 'web');
  const pause = page.locator('.controls button', { hasText: 'Pause' });
  assert.equal(await refused(pause), true);
  assert.equal(await pause.getAttribute('title'), 'The session is already paused.');
  assert.equal(await page.locator(`#${await pause.getAttribute('aria-describedby')}`).textContent(), 'The session is already paused.');
  // A keyboard user reaches the refused action and its reason; clicking it opens nothing.
  await pause.focus();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Pause');
  await page.keyboard.press('Enter');
  await pause.evaluate((b) => b.click());
  assert.equal(await page.locator('dialog[open]').count(), 0, 'a refused action opens no dialog');
  for (const label of ['Resume', 'Send system message', 'Override response', 'Guide', 'Take over', 'Transfer', 'Reassign', 'Co-browse'])
    assert.equal(await refused(page.locator('.controls button', { hasText: new RegExp(`^${label}$`) })), false, `${label} enabled`);
  assert.equal(await page.locator('.controls button', { hasText: 'Resume' }).getAttribute('title'), null);

  // The intervention names the person who made it, not their user id.
  const entry = page.locator('.interventions li').first();
  assert.equal(await entry.locator('.admin').textContent(), 'Sue Park');
  assert.doesNotMatch(await entry.locator('div').first().textContent(), /usr_/);

  // Resumed by someone else: the controls follow the state pushed to the page.
  await intervene(tenant.token, s1, { type: 'resume', reason: 'Policy confirmed' });
  await eventually(async () => assert.equal(!(await refused(pause)), true), 'Pause enabled once resumed');
  const resume = page.locator('.controls button', { hasText: 'Resume' });
  assert.equal(await refused(resume), true);
  assert.equal(await resume.getAttribute('title'), 'The session is not paused; only a paused session can be resumed.');
  await eventually(async () => assert.equal(await page.locator('.interventions li .admin').nth(1).textContent(), 'boss'), 'the admin named too');

  // An ended session allows nothing.
  await ingest(engine, tenant, [{ id: id('e'), type: 'session_ended', timestamp: iso(), sessionId: s3, reason: 'resolved' }]);
  await page.goto(`${engine.url}/#/conversations/${s3}`);
  await eventually(async () => assert.equal(await text(page, '.detail-header .state-badge'), 'Ended'), 'ended');
  const buttons = page.locator('.controls button');
  assert.equal(await buttons.count(), 10);
  for (const b of await buttons.all()) {
    assert.equal(await refused(b), true);
    assert.equal(await b.getAttribute('title'), 'The session has ended; no intervention is possible.');
  }
  await page.close();
});

test('interventions: the detail lists the newest 20; "Show older interventions" loads the rest above them, in order', async () => {
  const tenant = await newTenant(engine);
  const { s1 } = await seed(tenant);
  for (let i = 0; i < 23; i++) {
    const r = await fetch(`${engine.url}/api/v1/sessions/${s1}/interventions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenant.token}` },
      body: JSON.stringify({ type: i % 2 === 0 ? 'cobrowse_start' : 'cobrowse_stop', reason: `Note ${i}` }),
    });
    assert.equal(r.status, 201, await r.text());
  }
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.goto(`${engine.url}/#/conversations/${s1}`);
  const older = page.locator('.older-interventions button');
  await older.waitFor();
  assert.equal(await older.textContent(), 'Show older interventions (3)');
  const reasons = async () => (await page.locator('.interventions li .reason').allTextContents()).map((r) => r.replace('Reason: ', ''));
  assert.deepEqual(await reasons(), Array.from({ length: 20 }, (_, i) => `Note ${i + 3}`));
  // The newest decides the co-browse button: the last one (Note 22) started it.
  assert.equal(await page.locator('.controls button', { hasText: 'Stop co-browse' }).count(), 1);

  await older.click();
  await eventually(async () => assert.deepEqual(await reasons(), Array.from({ length: 23 }, (_, i) => `Note ${i}`)), 'all 23, oldest first');
  assert.equal(await older.count(), 0, 'no older ones left');
  await page.close();
});

test('connection: polling every N seconds when the hub cannot be reached; an expired sign-in returns to the form', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await page.route('**/hubs/live/**', (route) => route.abort());
  await signIn(page, `${engine.url}/?poll=1`, tenant.id, 'boss', 'boss-password');
  await eventually(async () => assert.match(await text(page, '.connection'), /^Polling · every 1 s/), 'polling');
  await seed(tenant);
  await eventually(async () => assert.equal(await tile(page, 'activeConversations'), '3'), 'figures by polling');

  await page.evaluate(() => {
    const session = JSON.parse(sessionStorage.getItem('liveorleans.session'));
    session.accessToken = 'expired.or.revoked';
    sessionStorage.setItem('liveorleans.session', JSON.stringify(session));
  });
  await eventually(async () => assert.match(await text(page, '.form-error'), /signed out/), 'back at the form', 15_000);
  await page.close();
});

test('a view opened while the hub is still connecting gets its pushes once it is connected', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await page.route('**/hubs/live/negotiate**', async (route) => { await new Promise((r) => setTimeout(r, 1500)); await route.continue(); });
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('header.top').waitFor();
  await page.goto(`${engine.url}/#/conversations`); // while the hub is still negotiating
  await page.locator('.metrics-bar').waitFor();
  await eventually(async () => assert.match(await text(page, '.connection'), /^Connected/), 'connected');
  const s = id('late-hub');
  await ingest(engine, tenant, [{ id: id('e'), type: 'session_started', timestamp: iso(), sessionId: s, channel: 'web', agentId: 'bot-a', user: { id: 'u' } }]);
  await eventually(async () => assert.equal(await page.locator(`.card[data-session="${s}"]`).count(), 1), 'the pushed card');
  await page.close();
});

test('alerts: an urgent session raises an in-app alert; muted, nothing shows', async () => {
  const tenant = await newTenant(engine);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('.summary').waitFor();
  await eventually(async () => assert.match(await text(page, '.connection'), /Connected/), 'connected');
  await ingest(engine, tenant, [{ id: id('e'), type: 'session_started', timestamp: iso(), sessionId: id('urgent'), channel: 'web', agentId: 'bot-a', priority: 'urgent', user: { id: 'u' } }]);
  await eventually(async () => assert.ok((await page.locator('.toast').count()) >= 1), 'alert shown');

  await page.getByRole('button', { name: /Alerts on/ }).click();
  const shown = await page.locator('.toast').count();
  await ingest(engine, tenant, [{ id: id('e'), type: 'session_started', timestamp: iso(), sessionId: id('urgent'), channel: 'web', agentId: 'bot-a', priority: 'urgent', user: { id: 'u' } }]);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.locator('.toast').count(), shown, 'muted');
  assert.equal(await text(page, '.mute'), 'Muted');
  assert.equal(await page.locator('.mute svg.icon').getAttribute('data-icon'), 'bell-off');
  assert.equal(await page.locator('.mute').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.evaluate(() => /\p{Extended_Pictographic}/u.test(document.body.innerText)), false, 'no emoji on the page');
  await page.close();
});

test('wall screen: Live Monitoring in large type without the navigation', async () => {
  const tenant = await newTenant(engine);
  await seed(tenant);
  const page = await browser.page();
  await signIn(page, engine.url, tenant.id, 'boss', 'boss-password');
  await page.locator('.summary').waitFor();
  await page.getByRole('link', { name: 'Wall screen' }).click();
  await page.locator('.monitoring.wall').waitFor();
  assert.equal(await page.locator('header.top').isVisible(), false);
  await eventually(async () => assert.equal(await tile(page, 'activeConversations'), '3'), 'figures');
  const size = await page.locator('.wall .tile-value').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(size >= 60, `large type (${size}px)`);
  await page.getByRole('link', { name: 'Exit wall screen' }).click();
  await page.locator('header.top').waitFor();
  await page.close();
});


// Caps on dashboard connections and filters (Push:MaxConnectionsPerUser, MaxConnectionsPerTenant, MaxFilterGroupsPerTenant):
// answered with a hub error that names the cap, and one tenant's cap never touches another tenant.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, connect, login, createUser, signalR } from './engine.js';

let engine;
before(async () => {
  engine = await startEngine({ Push__MaxConnectionsPerUser: '2', Push__MaxConnectionsPerTenant: '3', Push__MaxFilterGroupsPerTenant: '2' });
});
after(async () => { await engine?.stop(); });

/** Opens a connection that the server refuses; answers the error the client was given. */
async function refused(token) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${engine.url}/hubs/live`, { accessTokenFactory: () => token })
    .configureLogging(signalR.LogLevel.None)
    .build();
  const closed = new Promise((resolve) => connection.onclose(resolve));
  let startError;
  try { await connection.start(); } catch (e) { startError = e; }
  const error = startError ?? await closed;
  assert.ok(error, 'the connection was not refused');
  return String(error.message ?? error);
}

/**
 * A connection that the node accepted and that answers a call. A refusal naming the person's cap — at the start, or
 * as the close right after it (the hub's OnConnectedAsync runs after the handshake) — is tried again for up to 5 s;
 * any other failure fails at once.
 */
async function connectOnceRoomIsMade(token) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(`${engine.url}/hubs/live`, { accessTokenFactory: () => token })
      .configureLogging(signalR.LogLevel.None)
      .build();
    let closedWith;
    connection.onclose((e) => { closedWith = e; });
    try {
      await connection.start();
      await connection.invoke('Subscribe', {});
      return { connection };
    } catch (e) {
      const error = closedWith ?? e;
      if (!/Push:MaxConnectionsPerUser/.test(String(error?.message ?? error)) || Date.now() > deadline) throw error;
      await connection.stop();
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

async function person(tenant, username) {
  await createUser(engine, tenant, { username, password: 'person-password', name: username, role: 'viewer' });
  return login(engine, tenant.id, username, 'person-password');
}

test('A person beyond their connection cap, and a tenant beyond its own, get a hub error naming the cap', async () => {
  const tenant = await newTenant(engine);
  const other = await newTenant(engine);
  const open = [];
  try {
    open.push(await connect(engine, tenant.token), await connect(engine, tenant.token));
    assert.match(await refused(tenant.token), /already have 2 dashboards connected.*Push:MaxConnectionsPerUser/);

    const viewer = await person(tenant, 'viewer1');
    open.push(await connect(engine, viewer));
    assert.match(await refused(await person(tenant, 'viewer2')), /organisation already has 3 dashboards.*Push:MaxConnectionsPerTenant/);

    // Another tenant is not held back by this one's connections.
    const elsewhere = await connect(engine, other.token);
    open.push(elsewhere);
    assert.equal((await elsewhere.connection.invoke('Subscribe', {})).sessions.total, 0);

    // A closed connection makes room — once the node has run its disconnect: the client's stop() may resolve a moment
    // before that (the WebSocket's close handshake ends before the hub's OnDisconnectedAsync), so a refusal naming the
    // cap is tried again for up to 5 s, as a person opening a dashboard again would; any other failure fails at once.
    await open.shift().connection.stop();
    open.push(await connectOnceRoomIsMade(tenant.token));
  } finally {
    await Promise.all(open.map((c) => c.connection.stop()));
  }
});

test('Different filters beyond the tenant cap are refused with a hub error; a filter in use is shared', async () => {
  const tenant = await newTenant(engine);
  const viewer = await person(tenant, 'viewer');
  const [a, b, c] = [await connect(engine, tenant.token), await connect(engine, tenant.token), await connect(engine, viewer)];
  try {
    await a.connection.invoke('Subscribe', { channels: ['web'] });
    await b.connection.invoke('Subscribe', { channels: ['sms'] });
    await assert.rejects(c.connection.invoke('Subscribe', { channels: ['email'] }),
      /already use 2 different filters.*Push:MaxFilterGroupsPerTenant.*subscription is unchanged/);
    // The same filter as another dashboard joins its group.
    assert.equal((await c.connection.invoke('Subscribe', { channels: ['web'] })).sessions.total, 0);
    // "web" still has c after a leaves it, so a new filter of a's would be a third.
    await assert.rejects(a.connection.invoke('Subscribe', { channels: ['email'] }), /Push:MaxFilterGroupsPerTenant/);
    // b is alone in "sms": changing its filter frees that group, so it may.
    await b.connection.invoke('Subscribe', { channels: ['email'] });
  } finally {
    await Promise.all([a, b, c].map((x) => x.connection.stop()));
  }
});

test('A filter group is released when its last member disconnects: its place under the tenant cap is given back', async () => {
  const tenant = await newTenant(engine);
  const [viewer, newcomer] = [await person(tenant, 'stayer'), await person(tenant, 'newcomer')];
  const a = await connect(engine, tenant.token);
  const b = await connect(engine, viewer);
  let c;
  let d;
  try {
    await a.connection.invoke('Subscribe', { channels: ['web'] });
    await b.connection.invoke('Subscribe', { channels: ['sms'] });
    c = await connect(engine, newcomer);
    await assert.rejects(c.connection.invoke('Subscribe', { channels: ['email'] }), /Push:MaxFilterGroupsPerTenant/);
    // a was the only member of "web": once the node has seen it close (a client's stop() may return a moment before),
    // a third filter fits.
    await a.connection.stop();
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        assert.equal((await c.connection.invoke('Subscribe', { channels: ['email'] })).sessions.total, 0);
        break;
      } catch (error) {
        if (!/Push:MaxFilterGroupsPerTenant/.test(String(error.message)) || Date.now() > deadline) throw error;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    // "sms" still has b and "email" c, so neither was released: another connection's third filter does not fit.
    d = await connect(engine, newcomer);
    await assert.rejects(d.connection.invoke('Subscribe', { channels: ['phone'] }), /Push:MaxFilterGroupsPerTenant/);
  } finally {
    await Promise.all([a, b, c, d].filter(Boolean).map((x) => x.connection.stop()));
  }
});

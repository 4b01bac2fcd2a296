// Subscription groups are released with their last member, even when the member closes while its Subscribe is still
// on its way to the tenant's view (Push:MaxFilterGroupsPerTenant makes a kept group visible: it takes a place).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, newTenant, connect } from './engine.js';

let engine;
before(async () => { engine = await startEngine({ Push__MaxFilterGroupsPerTenant: '2' }); });
after(async () => { await engine?.stop(); });

/** Subscribes, trying again for up to 5 s while the node has not yet seen earlier connections close. */
async function subscribeOnceRoomIsMade(connection, filter) {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await connection.invoke('Subscribe', filter);
    } catch (error) {
      if (!/Push:MaxFilterGroupsPerTenant/.test(String(error.message)) || Date.now() > deadline) throw error;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

test('Connections that close while their Subscribe is on its way leave no group behind', async () => {
  for (let attempt = 0; attempt < 5; attempt++) {
    // A new tenant each time: its first dashboards wait for its view to start, and close right after sending Subscribe.
    const tenant = await newTenant(engine);
    const hasty = await Promise.all([0, 1, 2, 3].map(() => connect(engine, tenant.token)));
    const sent = hasty.map((x, i) => x.connection.invoke('Subscribe', { channels: [`hasty${i}`] }).catch(() => {}));
    await Promise.all(hasty.map((x) => x.connection.stop()));
    await Promise.all(sent);

    // Had any of their filters kept its group, two new ones would not both fit under the cap of 2.
    const [a, b] = [await connect(engine, tenant.token), await connect(engine, tenant.token)];
    try {
      assert.equal((await subscribeOnceRoomIsMade(a.connection, { channels: ['email'] })).sessions.total, 0);
      assert.equal((await subscribeOnceRoomIsMade(b.connection, { channels: ['phone'] })).sessions.total, 0);
    } finally {
      await Promise.all([a, b].map((x) => x.connection.stop()));
    }
  }
});

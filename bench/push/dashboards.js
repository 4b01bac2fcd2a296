// One dashboard client process of the push benchmark: opens its share of the dashboards, notes when each marker
// session's card arrives at each of them, and hands the arrivals to the coordinator when told to stop.
// Arrival times are process.hrtime (CLOCK_MONOTONIC), the same clock in every process of the machine.
import { connect } from '../../tests/hubs/engine.js';

const arrivals = [];
const connections = [];

process.on('message', async (message) => {
  if (message.type === 'open') {
    const engine = { url: message.url };
    for (const { index, filter } of message.dashboards) {
      const { connection } = await connect(engine, message.token);
      const seen = new Set();
      connection.on('sessionUpserted', (card) => {
        if (!card.sessionId.startsWith('mk-') || seen.has(card.sessionId)) return;
        seen.add(card.sessionId);
        arrivals.push([card.sessionId, index, Number(process.hrtime.bigint()) / 1e6]);
      });
      await connection.invoke('Subscribe', filter);
      connections.push(connection);
    }
    process.send({ type: 'ready' });
  } else if (message.type === 'stop') {
    await Promise.allSettled(connections.map((c) => c.stop()));
    process.send({ type: 'arrivals', arrivals });
    process.exit(0);
  }
});

// One dashboard client process of the push benchmark: opens its share of the dashboards (in the hub protocol it is
// told), notes when each marker session's card arrives at each of them and the bytes received, and hands them to the
// coordinator when told to stop.
// Arrival times are process.hrtime (CLOCK_MONOTONIC), the same clock in every process of the machine.
import { connect, hubProtocol } from '../../tests/hubs/engine.js';

const arrivals = [];
const received = {};
// Bytes of hub messages received (the protocol's frames, before WebSocket framing), all connections of this process.
let bytes = 0;

/** The hub protocol, counting what it parses. */
function counting(inner) {
  return {
    name: inner.name,
    version: inner.version,
    transferFormat: inner.transferFormat,
    parseMessages(input, logger) {
      bytes += typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
      return inner.parseMessages(input, logger);
    },
    writeMessage: (message) => inner.writeMessage(message),
  };
}
let closed = 0;
const pushes = ['summary', 'hourly', 'agents', 'metrics', 'sessionUpserted', 'sessionRemoved', 'activity', 'alert'];
const connections = [];

process.on('message', async (message) => {
  if (message.type === 'open') {
    const engine = { url: message.url };
    for (const { index, filter } of message.dashboards) {
      const { connection } = await connect(engine, message.token, { hubProtocol: counting(hubProtocol(message.protocol)) });
      const seen = new Set();
      const arrived = (sessionId) => {
        if (!sessionId.startsWith('mk-') || seen.has(sessionId)) return;
        seen.add(sessionId);
        arrivals.push([sessionId, index, Number(process.hrtime.bigint()) / 1e6]);
      };
      for (const name of pushes) if (name !== 'sessionUpserted') connection.on(name, () => { received[name] = (received[name] ?? 0) + 1; });
      connection.on('sessionUpserted', (card) => {
        received.sessionUpserted = (received.sessionUpserted ?? 0) + 1;
        arrived(card.sessionId);
      });
      // Ticks: one frame per push tick with the screen's changes; a marker arrives when it enters a screen.
      connection.on('tick', (t) => {
        received.tick = (received.tick ?? 0) + 1;
        for (const card of t.upserted ?? []) arrived(card.sessionId);
      });
      connection.onclose(() => { closed++; });
      if (message.push === 'ticks') {
        try {
          await connection.invoke('Subscribe', { push: 'ticks', window: message.window, filter });
        } catch (e) {
          // A build from before ticks refuses the form: it gets the first one.
          if (!/not a filter property/.test(e.message)) throw e;
          await connection.invoke('Subscribe', filter);
        }
      } else {
        await connection.invoke('Subscribe', filter);
      }
      connections.push(connection);
    }
    process.send({ type: 'ready' });
  } else if (message.type === 'stop') {
    const closedByEngine = closed; // before this process closes them itself
    await Promise.allSettled(connections.map((c) => c.stop()));
    // exit only once the message is handed over: a large one is still being written when send returns
    process.send({ type: 'arrivals', arrivals, received, bytes, closedByEngine }, () => process.exit(0));
  }
});

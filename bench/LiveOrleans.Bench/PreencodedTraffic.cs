using System.Text;
using LiveOrleans.Simulator;

namespace LiveOrleans.Bench;

/// <summary>
/// The ingest benchmark's request bodies, made before the measured runs: generating and serialising simulator
/// traffic during the run cost the load generator most of a core (profile of 2026-12-07), which the engine under
/// test then lacked. Each sender's bodies are made once per process and sent in order in every run (each run's
/// engine has a store of its own, so the same ids are new to it); a sender that uses them up goes on with bodies
/// made as it sends, counted in <see cref="MadeLive"/>.
/// </summary>
/// <remarks>
/// Every event is stamped with one instant whose JSON form has a fixed length (seven fraction digits, offset
/// +00:00); <see cref="Take"/> overwrites it in place with the current instant in the same form, so a body is
/// stamped "now" when it is sent, as the load mode stamps its events, without being encoded again.
/// </remarks>
public sealed class PreencodedTraffic
{
    private readonly Sender[] _senders;
    private long _madeLive;

    private PreencodedTraffic(Sender[] senders) => _senders = senders;

    /// <summary>Bodies made during runs because a sender had used up its own.</summary>
    public long MadeLive => Interlocked.Read(ref _madeLive);

    /// <param name="eventsBudget">Events made ahead for all senders together (0: none, every body made as it is sent).</param>
    public static PreencodedTraffic Make(int senders, int batchSize, int eventsBudget)
    {
        var perSender = batchSize <= 0 ? 0 : eventsBudget / senders / batchSize;
        var stamp = Stamp(DateTimeOffset.UtcNow);
        var made = new Sender[senders];
        Parallel.For(0, senders, i =>
        {
            var model = new TrafficModel(IngestBenchmark.Seed + i, [new SimulatedTenant($"sender{i}", "UTC")], DateTimeOffset.UtcNow, sessionsPerMinute: 600);
            var bodies = new byte[perSender][];
            for (var b = 0; b < perSender; b++) bodies[b] = IngestBenchmark.Batch(model, batchSize, stamp);
            made[i] = new Sender(model, bodies, Enumerable.Repeat(stamp, perSender).ToArray());
        });
        return new PreencodedTraffic(made);
    }

    /// <summary>Starts a run: every sender from its first body again.</summary>
    public void Rewind()
    {
        foreach (var sender in _senders) sender.Next = 0;
    }

    /// <summary>The sender's next body, stamped now.</summary>
    public byte[] Take(int sender, int batchSize)
    {
        var s = _senders[sender];
        if (s.Next >= s.Bodies.Length)
        {
            Interlocked.Increment(ref _madeLive);
            return IngestBenchmark.Batch(s.Model, batchSize);
        }
        var i = s.Next++;
        var now = Stamp(DateTimeOffset.UtcNow);
        Restamp(s.Bodies[i], s.Stamps[i], now);
        s.Stamps[i] = now;
        return s.Bodies[i];
    }

    /// <summary>An instant whose JSON form has a fixed length: whole seconds plus .1234567 (no trailing zero to drop).</summary>
    private static DateTimeOffset Stamp(DateTimeOffset at)
        => new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond + 1_234_567, TimeSpan.Zero);

    private static void Restamp(byte[] body, DateTimeOffset from, DateTimeOffset to)
    {
        if (from == to) return;
        var old = Encode(from);
        var now = Encode(to);
        var span = body.AsSpan();
        for (var at = span.IndexOf(old); at >= 0;)
        {
            now.CopyTo(span[at..]);
            var next = span[(at + old.Length)..].IndexOf(old);
            at = next < 0 ? -1 : at + old.Length + next;
        }
    }

    private static byte[] Encode(DateTimeOffset at) => Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(at, LiveJson.Options));

    private sealed class Sender(TrafficModel model, byte[][] bodies, DateTimeOffset[] stamps)
    {
        public TrafficModel Model { get; } = model;
        public byte[][] Bodies { get; } = bodies;
        public DateTimeOffset[] Stamps { get; } = stamps;
        public int Next { get; set; }
    }
}

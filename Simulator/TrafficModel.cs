using LiveOrleans.Events;

namespace LiveOrleans.Simulator;

/// <summary>A tenant the simulator plays: its id (for logs) and its time zone (arrivals follow its local hours).</summary>
public sealed record SimulatedTenant(string Id, string TimeZone);

/// <summary>An event due at a virtual time, for one tenant (by index).</summary>
public sealed record TrafficEvent(DateTimeOffset At, int Tenant, LiveEvent Event);

/// <summary>
/// A seeded, deterministic discrete-event model of conversation traffic: customers arrive on every channel more
/// often in business hours, AI agents think and stream their replies, humans answer after human delays,
/// broadcasts mostly go unanswered, conversations get internal notes, reassignments, priorities, errors, failed
/// deliveries, voice transcripts and attachments, then close and end. It obeys control commands like a runtime:
/// a paused session's agent waits, an override replaces the next reply, a transfer changes the agent.
/// </summary>
public sealed partial class TrafficModel
{
    public static readonly string[] Channels = ["web", "phone", "sip", "telegram", "whatsapp", "mobile_sdk", "messenger", "instagram", "email", "sms", "line", "viber"];
    private static readonly string[] Teams = ["sales", "support", "billing"];
    private static readonly string[] Humans = ["alice", "bob", "carol", "dave", "erin"];
    private static readonly string[] Bots = ["support-bot", "sales-bot"];

    private readonly Random _random;
    private readonly IReadOnlyList<SimulatedTenant> _tenants;
    private readonly TimeZoneInfo[] _zones;
    private readonly double _sessionsPerMinute;
    private readonly bool _businessHours;
    private readonly PriorityQueue<Step, (DateTimeOffset At, long Order)> _queue = new();
    private readonly Dictionary<(int Tenant, string Session), Conversation> _conversations = [];
    private long _order;
    private long _ids;
    private readonly string _run;

    /// <param name="sessionsPerMinute">Arrivals per tenant and minute at the busiest hour.</param>
    /// <param name="businessHours">
    /// Whether arrivals follow the tenant's local hours (quieter at night); when false every hour is as busy as the
    /// busiest, as the demo wants whenever someone tries it.
    /// </param>
    public TrafficModel(int seed, IReadOnlyList<SimulatedTenant> tenants, DateTimeOffset start, double sessionsPerMinute = 20, bool businessHours = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tenants.Count, 1);
        _random = new Random(seed);
        _tenants = tenants;
        _zones = [.. tenants.Select(t => TimeZoneInfo.FindSystemTimeZoneById(t.TimeZone))];
        _sessionsPerMinute = sessionsPerMinute;
        _businessHours = businessHours;
        Now = start;
        // Ids carry the run's start, so two runs against one tenant never collide (a repeated id would be a duplicate).
        _run = Convert.ToString(start.ToUnixTimeSeconds(), 16);
        for (var t = 0; t < tenants.Count; t++)
        {
            Schedule(start, new Step(t, null, StepKind.Arrival));
            foreach (var human in Humans) Schedule(start.AddSeconds(_random.Next(30)), new Step(t, human, StepKind.Presence));
            foreach (var bot in Bots) Schedule(start, new Step(t, bot, StepKind.Presence));
        }
    }

    /// <summary>The model's clock: the time of the last event taken.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Takes every event due up to <paramref name="until"/>, in time order.</summary>
    public List<TrafficEvent> Advance(DateTimeOffset until)
    {
        var events = new List<TrafficEvent>();
        while (_queue.TryPeek(out _, out var due) && due.At <= until)
        {
            var step = _queue.Dequeue();
            Now = due.At;
            Run(step, due.At, events);
        }
        if (until > Now) Now = until;
        return events;
    }

    /// <summary>Takes the next <paramref name="count"/> events whatever their time (load mode).</summary>
    public List<TrafficEvent> Take(int count)
    {
        var events = new List<TrafficEvent>(count);
        while (events.Count < count && _queue.TryDequeue(out var step, out var due))
        {
            Now = due.At;
            Run(step, due.At, events);
        }
        return events;
    }

    private void Schedule(DateTimeOffset at, Step step) => _queue.Enqueue(step, (at, _order++));

    private string NextId(int tenant, string kind) => $"{_tenants[tenant].Id}-{_run}-{kind}{++_ids}";

    private double Between(double min, double max) => min + _random.NextDouble() * (max - min);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private bool Chance(double p) => _random.NextDouble() < p;

    /// <summary>Busier in business hours of the tenant: 0.15 at night, 1 from 9 to 17, 0.5 in the evening (1 always without business hours).</summary>
    private double Load(int tenant, DateTimeOffset at)
    {
        if (!_businessHours) return 1.0;
        var hour = TimeZoneInfo.ConvertTime(at, _zones[tenant]).Hour;
        return hour is >= 9 and < 17 ? 1.0 : hour is >= 7 and < 21 ? 0.5 : 0.15;
    }
}

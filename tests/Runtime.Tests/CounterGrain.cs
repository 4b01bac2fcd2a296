using System.Text;

namespace LiveOrleans.Runtime.Tests;

/// <summary>A small grain for runtime tests: counts the entries applied to it and remembers their payloads in order.</summary>
[GrainType("counter")]
public sealed class CounterGrain : Grain<CounterGrain.CounterState>
{
    public sealed class CounterState
    {
        public int Count { get; set; }
        public List<string> Payloads { get; set; } = [];
        public long LastPosition { get; set; }
    }

    public int Count => State.Count;

    public IReadOnlyList<string> Payloads => State.Payloads;

    public void Add(string payload)
    {
        State.Count++;
        State.Payloads.Add(payload);
        State.LastPosition = CurrentPosition;
        if (payload == "collect") DeactivateOnIdle();
        if (payload.StartsWith("timer:", StringComparison.Ordinal)) RegisterTimer(payload, Now);
    }

    public List<string> Fired { get; } = [];

    public override void OnTimer(string name) => Fired.Add(name);
}

/// <summary>Routes entries to a counter grain named by the payload's prefix (<c>key|text</c>).</summary>
public sealed class CounterRouter : ILogEntryHandler
{
    public object? Apply(IGrainFactory grains, LogEntry entry)
    {
        var text = Encoding.UTF8.GetString(entry.Payload);
        var bar = text.IndexOf('|');
        if (text == "boom") throw new InvalidOperationException("A poison entry.");
        var grain = grains.GetGrain<CounterGrain>(entry.Tenant, text[..bar]);
        grain.Add(text[(bar + 1)..]);
        return grain.Count;
    }

    public static LogAppend Entry(string tenant, string grain, string text, string? dedup = null)
        => new(tenant, LogEntryKind.Event, dedup, Encoding.UTF8.GetBytes($"{grain}|{text}"));
}

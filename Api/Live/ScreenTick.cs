using System.Text.Json;
using System.Text.Json.Serialization;
using LiveOrleans.Live;

namespace LiveOrleans.Api.Live;

/// <summary>
/// What changed on a screen between two ticks: the cards that entered or changed in its window and those that left,
/// its exact total, the figures that changed, new activity and watcher counts. A connection whose pump has not yet
/// written one tick merges the next into it (<see cref="MergeNewer"/>), so it never holds two.
/// </summary>
public sealed class TickFrame
{
    private static readonly JsonSerializerOptions Wire = new(LiveJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The screen (subscription group) it is of: a client ignores frames of a screen it no longer shows.</summary>
    public string Screen { get; }

    /// <summary>This frame's number in its group; a client applies it only on top of <see cref="Base"/>.</summary>
    public long Seq { get; private set; }

    /// <summary>The <see cref="Seq"/> the client must hold; any other means it missed something and subscribes again.</summary>
    public long Base { get; private set; }

    /// <summary>The push tick it was made in (time ÷ <c>Push:Tick</c>): a connection gets at most one frame per tick.</summary>
    public long Tick { get; private set; }

    public DateTimeOffset At { get; private set; }
    public int? Total { get; set; }
    public Dictionary<string, SessionCard> Upserted { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Removed { get; } = new(StringComparer.Ordinal);
    public RawJson? Summary { get; set; }
    public RawJson? Hourly { get; set; }
    public RawJson? Agents { get; set; }
    public RawJson? Metrics { get; set; }
    public List<ActivityEntry> Activity { get; } = [];
    public Dictionary<string, int> Watchers { get; } = new(StringComparer.Ordinal);

    public TickFrame(string screen, long seq, long @base, long tick, DateTimeOffset at)
    {
        Screen = screen;
        Seq = seq;
        Base = @base;
        Tick = tick;
        At = at;
    }

    public bool IsEmpty => Total is null && Upserted.Count == 0 && Removed.Count == 0 && Summary is null && Hourly is null
        && Agents is null && Metrics is null && Activity.Count == 0 && Watchers.Count == 0;

    /// <summary>A copy this connection may change (the group's frame is shared by all its members).</summary>
    public TickFrame Copy()
    {
        var copy = new TickFrame(Screen, Seq, Base, Tick, At) { Total = Total, Summary = Summary, Hourly = Hourly, Agents = Agents, Metrics = Metrics };
        foreach (var (id, card) in Upserted) copy.Upserted[id] = card;
        copy.Removed.UnionWith(Removed);
        copy.Activity.AddRange(Activity);
        foreach (var (id, n) in Watchers) copy.Watchers[id] = n;
        return copy;
    }

    /// <summary>
    /// Folds a newer frame of the same group into this unsent one: the client then goes from this one's base straight
    /// to the newer one's state. A card's newer value replaces the older; leaving cancels an entry and entering a leave.
    /// </summary>
    public void MergeNewer(TickFrame newer)
    {
        Seq = newer.Seq;
        Tick = newer.Tick;
        At = newer.At;
        Total = newer.Total ?? Total;
        foreach (var id in newer.Removed)
        {
            Upserted.Remove(id);
            Removed.Add(id);
        }
        foreach (var (id, card) in newer.Upserted)
        {
            Removed.Remove(id);
            Upserted[id] = card;
        }
        Summary = newer.Summary ?? Summary;
        Hourly = newer.Hourly ?? Hourly;
        Agents = newer.Agents ?? Agents;
        Metrics = newer.Metrics ?? Metrics;
        Activity.AddRange(newer.Activity);
        if (Activity.Count > ScreenGroup.MaxActivity) Activity.RemoveRange(0, Activity.Count - ScreenGroup.MaxActivity);
        foreach (var (id, n) in newer.Watchers) Watchers[id] = n;
    }

    /// <summary>About what it holds in memory while it waits.</summary>
    public int Bytes => 128 + Upserted.Count * 512 + Removed.Count * 48 + Activity.Count * 256 + Watchers.Count * 48
        + (Summary?.Utf8.Length ?? 0) + (Hourly?.Utf8.Length ?? 0) + (Agents?.Utf8.Length ?? 0) + (Metrics?.Utf8.Length ?? 0);

    /// <summary>The <c>tick</c> push's one argument, camelCase, absent parts left out.</summary>
    public RawJson ToJson() => RawJson.Of(new TickWire(Screen, Seq, Base, Tick, At, Total,
        // Cards and entries keep their null fields (as everywhere else); only the frame's absent parts are left out.
        Upserted.Count > 0 ? [.. Upserted.Values.Select(RawJson.Of)] : null,
        Removed.Count > 0 ? [.. Removed] : null,
        Summary, Hourly, Agents, Metrics,
        Activity.Count > 0 ? [.. Activity.Select(RawJson.Of)] : null,
        Watchers.Count > 0 ? Watchers : null), Wire);

    private sealed record TickWire(
        string Screen, long Seq, long Base, long Tick, DateTimeOffset At, int? Total,
        IReadOnlyList<RawJson>? Upserted, IReadOnlyList<string>? Removed,
        RawJson? Summary, RawJson? Hourly, RawJson? Agents, RawJson? Metrics,
        IReadOnlyList<RawJson>? Activity, IReadOnlyDictionary<string, int>? Watchers);
}

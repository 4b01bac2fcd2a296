namespace LiveOrleans.Live;

/// <summary>The position in the session list's order (most recent activity first, then id) after which a page starts.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionListPosition(DateTimeOffset LastActivityAt, string SessionId);

/// <summary>One live-index shard's share of a page of session cards: how many match, the first of them after the cursor in list order, and whether more than those follow.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionPagePart(int Total, bool More, IReadOnlyList<SessionEntry> Items);

/// <summary>
/// One shard's share of the metrics bar, added up over shards by the reader. Reply times are summed as whole
/// microseconds (each reply rounded once, <see cref="Micros"/>) so that sums kept by adding and subtracting equal a
/// fresh sum exactly, and the average is divided from the same integers on every path.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MetricsPart(int LiveSessions, int StartedLastHour, int Replies, long ReplyMicros, int LiveInWindow, int Intervened)
{
    public static readonly MetricsPart Empty = new(0, 0, 0, 0, 0, 0);

    /// <summary>A reply time as it enters the sums: whole microseconds.</summary>
    public static long Micros(double milliseconds) => (long)Math.Round(milliseconds * 1000, MidpointRounding.AwayFromZero);

    public MetricsPart Add(MetricsPart other) => new(LiveSessions + other.LiveSessions, StartedLastHour + other.StartedLastHour,
        Replies + other.Replies, ReplyMicros + other.ReplyMicros, LiveInWindow + other.LiveInWindow, Intervened + other.Intervened);

    public MetricsPart Subtract(MetricsPart other) => new(LiveSessions - other.LiveSessions, StartedLastHour - other.StartedLastHour,
        Replies - other.Replies, ReplyMicros - other.ReplyMicros, LiveInWindow - other.LiveInWindow, Intervened - other.Intervened);

    /// <summary>The figures the API shows: the average reply time in milliseconds (one decimal), the intervention rate.</summary>
    public Queries.MetricsView ToView() => new(LiveSessions, StartedLastHour,
        Replies == 0 ? null : Math.Round(ReplyMicros / 1000.0 / Replies, 1),
        LiveInWindow == 0 ? 0 : Math.Round((double)Intervened / LiveInWindow, 4));
}

/// <summary>The six counts of the live metrics summary.</summary>
[GenerateSerializer, Immutable]
public sealed record SummaryCounts(int Active, int Waiting, int Assigned, int Open, int Closed)
{
    public static readonly SummaryCounts Empty = new(0, 0, 0, 0, 0);
}

/// <summary>
/// Activity-log entry ids carry their order, <c>act_{ticks}_{position}_{type}</c> with fixed-width numbers: newest first
/// means by time, then by log position, which is the ids' reverse ordinal order. A page's cursor is the id of the
/// last entry seen, so any shard can continue from it.
/// </summary>
public static class ActivityIds
{
    public static string Format(DateTimeOffset at, long position, string type)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"act_{at.UtcTicks:D19}_{position:D19}_{type}");

    public static bool TryParse(string? id, out (long Ticks, long Position) order)
    {
        order = default;
        if (id is null || !id.StartsWith("act_", StringComparison.Ordinal)) return false;
        var parts = id.Split('_', 4);
        return parts.Length == 4
            && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out order.Ticks)
            && long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out order.Position);
    }

    /// <summary>Newest first: a negative answer puts <paramref name="a"/> before <paramref name="b"/>.</summary>
    public static int Compare(Queries.ActivityEntry a, Queries.ActivityEntry b) => string.CompareOrdinal(b.Id, a.Id);

    /// <summary>Whether <paramref name="id"/> comes after the cursor <paramref name="before"/> in newest-first order.</summary>
    public static bool IsOlder(string id, string before) => string.CompareOrdinal(id, before) < 0;
}

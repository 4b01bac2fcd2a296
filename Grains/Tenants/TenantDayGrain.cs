using LiveOrleans.Queries;
using LiveOrleans.Runtime;

namespace LiveOrleans.Grains;

/// <summary>What a conversation contributes to one day's figures; sessions send it whenever it changes.</summary>
/// <param name="InitiatedHour">Local hour of its first message when that message is incoming and on this day; otherwise -1.</param>
public sealed record ConversationFacts(
    string? TeamId,
    string? OwnerId,
    string? Channel,
    bool Waiting,
    ConversationStatus Status,
    int InitiatedHour);

/// <summary>
/// One tenant-day (key <c>yyyy-MM-dd</c> in the tenant's time zone): the conversations active that day and
/// the live metrics summary and hourly chart over them. Counters are kept per (team, owner, channel) cell, so
/// any filter is answered by adding up the few cells it selects.
/// </summary>
[GrainType("tenant-day")]
public sealed class TenantDayGrain : Grain<TenantDayGrain.DayState>
{
    public sealed class DayState
    {
        public Dictionary<string, ConversationFacts> Conversations { get; set; } = [];
    }

    private readonly record struct Cell(string? TeamId, string? OwnerId, string? Channel);

    private sealed class Counts
    {
        public int Active, Waiting, Open, Closed;
        public readonly int[] Hours = new int[24];

        public void Add(ConversationFacts f, int sign)
        {
            Active += sign;
            if (f.Waiting) Waiting += sign;
            if (f.Status == ConversationStatus.Open) Open += sign; else Closed += sign;
            if (f.InitiatedHour >= 0) Hours[f.InitiatedHour] += sign;
        }
    }

    private readonly Dictionary<Cell, Counts> _cells = [];

    public override void OnActivate()
    {
        foreach (var facts in State.Conversations.Values) Count(facts, +1);
    }

    /// <summary>Records what a conversation active this day contributes now.</summary>
    public void Upsert(string sessionId, ConversationFacts facts)
    {
        if (State.Conversations.TryGetValue(sessionId, out var old))
        {
            if (old == facts) return;
            Count(old, -1);
        }
        State.Conversations[sessionId] = facts;
        Count(facts, +1);
    }

    private void Count(ConversationFacts facts, int sign)
    {
        var cell = new Cell(facts.TeamId, facts.OwnerId, facts.Channel);
        if (!_cells.TryGetValue(cell, out var counts)) _cells[cell] = counts = new Counts();
        counts.Add(facts, sign);
        if (counts.Active == 0) _cells.Remove(cell);
    }

    private IEnumerable<KeyValuePair<Cell, Counts>> Matching(LiveFilter filter) => _cells.Where(c =>
        LiveFilter.AllowsOptional(filter.Teams, c.Key.TeamId)
        && LiveFilter.AllowsOptional(filter.Owners, c.Key.OwnerId)
        && LiveFilter.AllowsOptional(filter.Channels, c.Key.Channel));

    public SummaryView Summary(LiveFilter filter, string timeZone, DateTimeOffset asOf)
    {
        int active = 0, waiting = 0, assigned = 0, open = 0, closed = 0;
        foreach (var (cell, counts) in Matching(filter))
        {
            active += counts.Active;
            waiting += counts.Waiting;
            open += counts.Open;
            closed += counts.Closed;
            if (cell.OwnerId is not null) assigned += counts.Active;
        }
        return new SummaryView(Key, timeZone, asOf, active, waiting, assigned, active - assigned, open, closed);
    }

    public HourlyView Hourly(LiveFilter filter, string timeZone)
    {
        var hours = new int[24];
        foreach (var (_, counts) in Matching(filter))
        {
            for (var h = 0; h < 24; h++) hours[h] += counts.Hours[h];
        }
        return new HourlyView(Key, timeZone, hours);
    }

    public static SummaryView EmptySummary(string day, string timeZone, DateTimeOffset asOf) => new(day, timeZone, asOf, 0, 0, 0, 0, 0, 0);

    public static HourlyView EmptyHourly(string day, string timeZone) => new(day, timeZone, new int[24]);
}

using LiveOrleans.Live;

namespace LiveOrleans.Views;

/// <summary>
/// A day's figures as counts per (team, owner, channel) cell, so any filter is answered by adding up the few cells it
/// selects. Kept by tenant-day grains and, from their cells, by the dashboards' replicas.
/// </summary>
public sealed class DayFigures
{
    private readonly Dictionary<CellKey, Counts> _cells = [];

    private readonly record struct CellKey(string? TeamId, string? OwnerId, string? Channel);

    private sealed class Counts
    {
        public int Active, Waiting, Open, Closed;
        public readonly int[] Hours = new int[24];
    }

    /// <summary>Adds (<paramref name="sign"/> 1) or removes (-1) a conversation's facts; answers the cell it touched.</summary>
    public DayCell Count(ConversationFacts facts, int sign)
    {
        var key = new CellKey(facts.TeamId, facts.OwnerId, facts.Channel);
        if (!_cells.TryGetValue(key, out var counts)) _cells[key] = counts = new Counts();
        counts.Active += sign;
        if (facts.Waiting) counts.Waiting += sign;
        if (facts.Status == ConversationStatus.Open) counts.Open += sign; else counts.Closed += sign;
        if (facts.InitiatedHour >= 0) counts.Hours[facts.InitiatedHour] += sign;
        var cell = ToCell(key, counts);
        if (counts.Active == 0) _cells.Remove(key);
        return cell;
    }

    /// <summary>Replaces a cell with the counts a replica was sent (all counts 0 removes it).</summary>
    public void Set(DayCell cell)
    {
        var key = new CellKey(cell.TeamId, cell.OwnerId, cell.Channel);
        if (cell.Active == 0)
        {
            _cells.Remove(key);
            return;
        }
        var counts = new Counts { Active = cell.Active, Waiting = cell.Waiting, Open = cell.Open, Closed = cell.Closed };
        for (var h = 0; h < 24 && h < cell.Hours.Count; h++) counts.Hours[h] = cell.Hours[h];
        _cells[key] = counts;
    }

    public void Clear() => _cells.Clear();

    public IReadOnlyList<DayCell> Cells() => [.. _cells.Select(c => ToCell(c.Key, c.Value))];

    private static DayCell ToCell(CellKey key, Counts counts)
        => new(key.TeamId, key.OwnerId, key.Channel, counts.Active, counts.Waiting, counts.Open, counts.Closed, [.. counts.Hours]);

    private IEnumerable<KeyValuePair<CellKey, Counts>> Matching(LiveFilter filter) => _cells.Where(c =>
        LiveFilter.AllowsOptional(filter.Teams, c.Key.TeamId)
        && LiveFilter.AllowsOptional(filter.Owners, c.Key.OwnerId)
        && LiveFilter.AllowsOptional(filter.Channels, c.Key.Channel));

    /// <summary>The summary's counts under a filter (teams, owners and channels apply).</summary>
    public SummaryCounts Summary(LiveFilter filter)
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
        return new SummaryCounts(active, waiting, assigned, open, closed);
    }

    /// <summary>The summary card of a day from its counts: unassigned is what is active without an owner.</summary>
    public static SummaryView ToSummary(SummaryCounts counts, string day, string zone, DateTimeOffset now)
        => new(day, zone, now, counts.Active, counts.Waiting, counts.Assigned, counts.Active - counts.Assigned, counts.Open, counts.Closed);

    /// <summary>Conversations initiated per local hour under a filter.</summary>
    public int[] Hourly(LiveFilter filter)
    {
        var hours = new int[24];
        foreach (var (_, counts) in Matching(filter))
        {
            for (var h = 0; h < 24; h++) hours[h] += counts.Hours[h];
        }
        return hours;
    }
}

namespace LiveOrleans.Views;

/// <summary>The agents panel from the directory's records and the index's live-session counts.</summary>
public static class AgentsPanel
{
    public static AgentsView Build(IReadOnlyList<AgentRecord> agents, IReadOnlyList<IReadOnlyDictionary<string, int>> liveCounts, LiveFilter filter,
        DateTimeOffset now, TimeSpan presenceTimeout)
    {
        var rows = new List<AgentView>();
        foreach (var agent in agents)
        {
            if (filter.Owners is { Count: > 0 } owners && !owners.Contains(agent.Id)) continue;
            if (filter.Teams is { Count: > 0 } teams && !agent.Teams.Any(teams.Contains)) continue;
            var live = liveCounts.Sum(c => c.GetValueOrDefault(agent.Id));
            rows.Add(agent.View(now, presenceTimeout, live));
        }
        rows.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) is var c and not 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        var online = rows.Count(a => a.Status == AgentStatus.Online);
        return new AgentsView(online, rows.Count - online, rows);
    }
}

/// <summary>Live sessions per agent as the agents panel counts them (<see cref="SessionRules.CountsForAgent"/>), kept as entries come and go.</summary>
public sealed class AgentSessionCounts
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public void Add(SessionEntry entry)
    {
        if (SessionRules.CountsForAgent(entry)) _counts[entry.Card.AgentId!] = _counts.GetValueOrDefault(entry.Card.AgentId!) + 1;
    }

    public void Remove(SessionEntry entry)
    {
        if (SessionRules.CountsForAgent(entry) && --_counts[entry.Card.AgentId!] == 0) _counts.Remove(entry.Card.AgentId!);
    }

    /// <summary>A copy, for a caller outside this one's owner.</summary>
    public IReadOnlyDictionary<string, int> Copy() => new Dictionary<string, int>(_counts, StringComparer.Ordinal);
}

/// <summary>A palette for agents without a configured colour; the pick is stable for an id.</summary>
public static class AgentColors
{
    private static readonly string[] Palette =
        ["#4f7cff", "#22a06b", "#e5604c", "#a259ff", "#f5a623", "#00a3bf", "#d6457b", "#6b778c"];

    public static string For(string agentId) => Palette[LiveKeys.ShardOf(agentId, Palette.Length)];
}

namespace LiveOrleans.Views.Index;

/// <summary>
/// Finds the windows a change may touch without a scan of all windows: each window is filed under one anchor, the
/// first dimension its filter restricts among owners, agents, teams, channels, priorities and statuses, once per value
/// it allows; a window that restricts none of them is unanchored. An entry can only match a window anchored on a
/// dimension whose values include the entry's, so a change's candidates are the windows filed under the old or the new
/// entry's values, and the unanchored ones.
/// </summary>
internal sealed class GroupRouter
{
    private const int Dimensions = 6;
    private readonly Dictionary<string, List<WindowBook.Window>>[] _anchored = [.. Enumerable.Range(0, Dimensions).Select(_ => new Dictionary<string, List<WindowBook.Window>>(StringComparer.Ordinal))];
    private readonly List<WindowBook.Window> _unanchored = [];
    private int _stamp;

    public void Add(WindowBook.Window window)
    {
        if (Anchor(window.Filter) is not { } anchor)
        {
            _unanchored.Add(window);
            return;
        }
        foreach (var value in anchor.Values)
        {
            if (!_anchored[anchor.Dimension].TryGetValue(value, out var list)) _anchored[anchor.Dimension].Add(value, list = []);
            list.Add(window);
        }
    }

    public void Remove(WindowBook.Window window)
    {
        if (Anchor(window.Filter) is not { } anchor)
        {
            _unanchored.Remove(window);
            return;
        }
        foreach (var value in anchor.Values)
        {
            var list = _anchored[anchor.Dimension][value];
            list.Remove(window);
            if (list.Count == 0) _anchored[anchor.Dimension].Remove(value);
        }
    }

    /// <summary>The windows that may select <paramref name="old"/> or <paramref name="new"/>, each once.</summary>
    public IEnumerable<WindowBook.Window> Candidates(SessionEntry? old, SessionEntry? @new)
    {
        var stamp = ++_stamp;
        foreach (var window in _unanchored) yield return window;
        foreach (var entry in new[] { old, @new })
        {
            if (entry is not { BroadcastOnly: false }) continue;
            for (var d = 0; d < Dimensions; d++)
            {
                if (ValueOf(entry.Card, d) is not { } value || !_anchored[d].TryGetValue(value, out var list)) continue;
                foreach (var window in list)
                {
                    if (window.Stamp == stamp) continue;
                    window.Stamp = stamp;
                    yield return window;
                }
            }
        }
    }

    private static string? ValueOf(SessionCard card, int dimension) => dimension switch
    {
        0 => card.OwnerId,
        1 => card.AgentId,
        2 => card.TeamId,
        3 => card.Channel,
        4 => PriorityKey(card.Priority),
        _ => StateKey(card.State),
    };

    private static string PriorityKey(Priority p) => ((int)p).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string StateKey(LiveState s) => ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static (int Dimension, IEnumerable<string> Values)? Anchor(LiveFilter filter)
    {
        if (filter.Owners is { Count: > 0 } owners) return (0, owners.Distinct());
        if (filter.Agents is { Count: > 0 } agents) return (1, agents.Distinct());
        if (filter.Teams is { Count: > 0 } teams) return (2, teams.Distinct());
        if (filter.Channels is { Count: > 0 } channels) return (3, channels.Distinct());
        if (filter.Priorities is { Count: > 0 } priorities) return (4, priorities.Select(PriorityKey).Distinct());
        if (filter.Statuses is { Count: > 0 } statuses) return (5, statuses.Select(StateKey).Distinct());
        return null;
    }
}

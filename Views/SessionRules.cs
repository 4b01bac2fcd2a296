namespace LiveOrleans.Views;

/// <summary>
/// The rules over a session's index entry that every reader applies the same way (the live index and the
/// dashboards' replicas): which sessions are listed, which a filter selects, what the metrics bar counts.
/// </summary>
public static class SessionRules
{
    /// <summary>The metrics bar's rolling window: the last hour.</summary>
    public static readonly TimeSpan MetricsWindow = TimeSpan.FromMinutes(60);

    /// <summary>Listed while not ended, and during the grace period after its end; broadcast-only conversations never are.</summary>
    public static bool IsListed(SessionEntry entry, DateTimeOffset now, TimeSpan grace)
        => !entry.BroadcastOnly && (ListedUntil(entry.Card, grace) is not { } until || now < until);

    /// <summary>When an ended session's card leaves the list (its end plus the grace period); null while it is not ended.</summary>
    public static DateTimeOffset? ListedUntil(SessionCard card, TimeSpan grace) => card.EndedAt + grace;

    /// <summary>Whether a list under this filter shows the session's card now: listed, and selected by the filter.</summary>
    public static bool IsVisible(SessionEntry entry, LiveFilter filter, DateTimeOffset now, TimeSpan grace)
        => IsListed(entry, now, grace) && Matches(entry, filter, now);

    public static double DurationSeconds(SessionCard card, DateTimeOffset now) => ((card.EndedAt ?? now) - card.StartedAt).TotalSeconds;

    /// <summary>The filter of the AI-agent view: every part applies (team, owner, channel, agent, priority, state, keyword, duration).</summary>
    public static bool Matches(SessionEntry entry, LiveFilter filter, DateTimeOffset now)
    {
        var card = entry.Card;
        if (!LiveFilter.AllowsOptional(filter.Teams, card.TeamId)) return false;
        if (!LiveFilter.AllowsOptional(filter.Owners, card.OwnerId)) return false;
        if (!LiveFilter.AllowsOptional(filter.Channels, card.Channel)) return false;
        if (!LiveFilter.AllowsOptional(filter.Agents, card.AgentId)) return false;
        if (!LiveFilter.Allows(filter.Priorities, card.Priority)) return false;
        if (!LiveFilter.Allows(filter.Statuses, card.State)) return false;
        if (filter.MinDurationSec is { } min && DurationSeconds(card, now) < min) return false;
        if (filter.MaxDurationSec is { } max && DurationSeconds(card, now) > max) return false;
        if (!string.IsNullOrEmpty(filter.Q) && !entry.Mentions(filter.Q)) return false;
        return true;
    }

    /// <summary>Whether an activity entry or alert of the session is in a filter's scope: the session's team, owner, channel, agent and priority.</summary>
    public static bool InScope(SessionEntry? entry, LiveFilter filter)
    {
        if (entry is null) return false;
        var card = entry.Card;
        return LiveFilter.AllowsOptional(filter.Teams, card.TeamId)
            && LiveFilter.AllowsOptional(filter.Owners, card.OwnerId)
            && LiveFilter.AllowsOptional(filter.Channels, card.Channel)
            && LiveFilter.AllowsOptional(filter.Agents, card.AgentId)
            && LiveFilter.Allows(filter.Priorities, card.Priority);
    }

    /// <summary>A session's share of the metrics bar (it already matched the filter and is not broadcast-only).</summary>
    public static MetricsPart Metrics(SessionEntry entry, DateTimeOffset now, TimeSpan grace)
    {
        var windowStart = now - MetricsWindow;
        var card = entry.Card;
        int replies = 0;
        double replyMs = 0;
        foreach (var reply in entry.Replies)
        {
            if (reply.At <= windowStart) continue;
            replies++;
            replyMs += reply.Milliseconds;
        }
        var liveInWindow = card.EndedAt is null || card.EndedAt > windowStart;
        return new MetricsPart(
            IsListed(entry, now, grace) ? 1 : 0,
            card.StartedAt > windowStart && card.StartedAt <= now ? 1 : 0,
            replies,
            replyMs,
            liveInWindow ? 1 : 0,
            liveInWindow && entry.Interventions.Any(t => t > windowStart) ? 1 : 0);
    }

    /// <summary>The metrics bar over sessions: every one the filter selects, listed or not (the window sees ended ones), but broadcast-only ones.</summary>
    public static MetricsPart Metrics(IEnumerable<SessionEntry> entries, LiveFilter filter, DateTimeOffset now, TimeSpan grace)
    {
        var sum = MetricsPart.Empty;
        foreach (var entry in entries)
        {
            if (entry.BroadcastOnly || !Matches(entry, filter, now)) continue;
            sum = sum.Add(Metrics(entry, now, grace));
        }
        return sum;
    }

    /// <summary>Whether the session counts as a live session of its agent in the agents panel. Not ended means listed whatever the time, so no clock is needed.</summary>
    public static bool CountsForAgent(SessionEntry entry)
        => entry.Card.AgentId is not null && entry.Card.State != LiveState.Ended && !entry.BroadcastOnly;

    /// <summary>List order: most recent activity first, then by id.</summary>
    public static int CompareForList(SessionCard a, SessionCard b)
    {
        var c = b.LastActivityAt.CompareTo(a.LastActivityAt);
        return c != 0 ? c : string.CompareOrdinal(a.SessionId, b.SessionId);
    }
}

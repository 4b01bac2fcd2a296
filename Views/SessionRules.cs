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
        long replyMicros = 0;
        foreach (var reply in entry.Replies)
        {
            if (reply.At <= windowStart) continue;
            replies++;
            replyMicros += MetricsPart.Micros(reply.Milliseconds);
        }
        var liveInWindow = card.EndedAt is null || card.EndedAt > windowStart;
        return new MetricsPart(
            IsListed(entry, now, grace) ? 1 : 0,
            card.StartedAt > windowStart && card.StartedAt <= now ? 1 : 0,
            replies,
            replyMicros,
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

    /// <summary>
    /// The metrics bar of several filters in one walk of the entries: each entry's share computed once, added to every
    /// filter that selects it. Equal, filter by filter, to <see cref="Metrics(IEnumerable{SessionEntry}, LiveFilter, DateTimeOffset, TimeSpan)"/>.
    /// </summary>
    public static MetricsPart[] Metrics(IEnumerable<SessionEntry> entries, IReadOnlyList<LiveFilter> filters, DateTimeOffset now, TimeSpan grace)
    {
        var sums = new MetricsPart[filters.Count];
        Array.Fill(sums, MetricsPart.Empty);
        foreach (var entry in entries)
        {
            if (entry.BroadcastOnly) continue;
            MetricsPart? share = null;
            for (var i = 0; i < filters.Count; i++)
            {
                if (!Matches(entry, filters[i], now)) continue;
                share ??= Metrics(entry, now, grace);
                sums[i] = sums[i].Add(share);
            }
        }
        return sums;
    }

    /// <summary>
    /// The first instant after <paramref name="now"/> at which the entry's listed state or its share of the metrics bar
    /// (<see cref="IsListed"/>, <see cref="Metrics(SessionEntry, DateTimeOffset, TimeSpan)"/>) differs from the one at
    /// <paramref name="now"/> with no change to the entry; null when it never does. Both are constant before it. Duration
    /// filters (<see cref="Matches"/>) are not covered: they change with time per filter.
    /// </summary>
    public static DateTimeOffset? NextChange(SessionEntry entry, DateTimeOffset now, TimeSpan grace)
    {
        if (entry.BroadcastOnly) return null; // never listed, no share
        var card = entry.Card;
        DateTimeOffset? next = null;
        void Consider(DateTimeOffset at)
        {
            if (at > now && (next is null || at < next)) next = at;
        }
        // Started in the window: from the start (included) to an hour after it (excluded).
        Consider(card.StartedAt);
        Consider(card.StartedAt + MetricsWindow);
        // A reply counts until an hour after it.
        foreach (var reply in entry.Replies) Consider(reply.At + MetricsWindow);
        if (card.EndedAt is { } ended)
        {
            Consider(ended + grace); // leaves the list
            Consider(ended + MetricsWindow); // leaves the window, and so counts as intervened no more
        }
        // Intervened while some intervention is in the window (and live in it): only the latest one's exit can matter,
        // and only before the end's exit.
        if (entry.Interventions.Count > 0)
        {
            var latest = entry.Interventions.Max();
            if (card.EndedAt is not { } end || end > latest) Consider(latest + MetricsWindow);
        }
        return next;
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

using System.Globalization;
using System.Text;
using LiveOrleans.Queries;
using LiveOrleans.Runtime;

namespace LiveOrleans.Grains;

/// <summary>
/// The live queries, each run as a turn of the tenant's partition so it reads a consistent state. Derived
/// figures (presence, the grace period, "today", the rolling window) are computed here from the clock, so
/// they are right at every read whether or not a timer has fired.
/// </summary>
public sealed class LiveQueries(LiveOptions options)
{
    public const int MaxPageSize = 500;

    private static TenantGrain? Directory(IGrainFactory grains, string tenant) => grains.FindGrain<TenantGrain>(tenant, TenantGrain.DirectoryKey);

    public SummaryView Summary(IGrainFactory grains, string tenant, LiveFilter filter)
    {
        var now = grains.Time.GetUtcNow();
        var zone = Directory(grains, tenant)?.TimeZone ?? "UTC";
        var day = TenantClock.Day(now, zone);
        return grains.FindGrain<TenantDayGrain>(tenant, day)?.Summary(filter, zone, now) ?? TenantDayGrain.EmptySummary(day, zone, now);
    }

    public HourlyView Hourly(IGrainFactory grains, string tenant, LiveFilter filter)
    {
        var now = grains.Time.GetUtcNow();
        var zone = Directory(grains, tenant)?.TimeZone ?? "UTC";
        var day = TenantClock.Day(now, zone);
        return grains.FindGrain<TenantDayGrain>(tenant, day)?.Hourly(filter, zone) ?? TenantDayGrain.EmptyHourly(day, zone);
    }

    /// <summary>The agents panel: team → members of those teams, owner → those owners; the channel filter does not apply.</summary>
    public AgentsView Agents(IGrainFactory grains, string tenant, LiveFilter filter)
    {
        var now = grains.Time.GetUtcNow();
        var directory = Directory(grains, tenant);
        if (directory is null) return new AgentsView(0, 0, []);
        var live = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var session in LiveSessions(grains, tenant, directory, now))
        {
            if (session.AgentId is { } agentId && session.LiveState != LiveState.Ended)
                live[agentId] = live.GetValueOrDefault(agentId) + 1;
        }
        var rows = new List<AgentView>();
        foreach (var id in directory.AgentIds)
        {
            if (filter.Owners is { Count: > 0 } owners && !owners.Contains(id)) continue;
            var agent = grains.FindGrain<AgentGrain>(tenant, id);
            if (agent is null) continue;
            if (filter.Teams is { Count: > 0 } teams && !agent.Teams.Any(teams.Contains)) continue;
            rows.Add(agent.View(now, options.PresenceTimeout, live.GetValueOrDefault(id)));
        }
        rows.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) is var c and not 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        var online = rows.Count(a => a.Status == AgentStatus.Online);
        return new AgentsView(online, rows.Count - online, rows);
    }

    /// <summary>The metrics bar over the sessions the filter selects.</summary>
    public MetricsView Metrics(IGrainFactory grains, string tenant, LiveFilter filter)
    {
        var now = grains.Time.GetUtcNow();
        var directory = Directory(grains, tenant);
        if (directory is null) return new MetricsView(0, 0, null, 0);
        var windowStart = now - LiveOptions.MetricsWindow;
        int live = 0, started = 0, replies = 0, liveInWindow = 0, intervened = 0;
        double replyMs = 0;
        foreach (var id in directory.SessionIds)
        {
            var session = grains.FindGrain<SessionGrain>(tenant, id);
            if (session is null || session.IsBroadcastOnly || !session.Matches(filter, now)) continue;
            if (session.IsLive(now, options.EndedGracePeriod)) live++;
            if (session.StartedAt > windowStart && session.StartedAt <= now) started++;
            var (count, total) = session.RepliesSince(windowStart);
            replies += count;
            replyMs += total;
            if (session.EndedAt is null || session.EndedAt > windowStart)
            {
                liveInWindow++;
                if (session.HadInterventionSince(windowStart)) intervened++;
            }
        }
        return new MetricsView(live, started, replies == 0 ? null : Math.Round(replyMs / replies, 1),
            liveInWindow == 0 ? 0 : Math.Round((double)intervened / liveInWindow, 4));
    }

    /// <summary>Live session cards matching the filter, most recent activity first.</summary>
    public SessionsPage Sessions(IGrainFactory grains, string tenant, LiveFilter filter, int limit, string? cursor)
    {
        var now = grains.Time.GetUtcNow();
        var directory = Directory(grains, tenant);
        if (directory is null) return new SessionsPage(0, [], null);
        var matching = LiveSessions(grains, tenant, directory, now).Where(s => s.Matches(filter, now)).ToList();
        matching.Sort(static (a, b) => b.LastActivityAt.CompareTo(a.LastActivityAt) is var c and not 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        var start = 0;
        if (SessionCursor.TryParse(cursor, out var after))
        {
            start = matching.FindIndex(s => s.LastActivityAt < after.At || (s.LastActivityAt == after.At && string.CompareOrdinal(s.Id, after.SessionId) > 0));
            if (start < 0) start = matching.Count;
        }
        var page = matching.Skip(start).Take(limit).ToList();
        var items = page.Select(s => s.Card(AgentOf(grains, tenant, s))).ToArray();
        var next = start + page.Count < matching.Count && page.Count > 0 ? SessionCursor.Format(page[^1].LastActivityAt, page[^1].Id) : null;
        return new SessionsPage(matching.Count, items, next);
    }

    /// <summary>One session (live or not) with a page of its transcript; null when it does not exist or the filter hides it.</summary>
    public SessionDetail? Session(IGrainFactory grains, string tenant, string sessionId, LiveFilter visibility, int limit, string? cursor)
    {
        var session = grains.FindGrain<SessionGrain>(tenant, sessionId);
        if (session is null || !LiveFilter.AllowsOptional(visibility.Owners, session.OwnerId)) return null;
        var from = int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var f) ? f : 0;
        var (messages, next, total) = session.Transcript(limit, from);
        return new SessionDetail(session.Card(AgentOf(grains, tenant, session)), session.StreamState, messages, next, total, session.Interventions);
    }

    /// <summary>Audit entries, oldest first, of one session or all, within [from, to].</summary>
    public IReadOnlyList<InterventionView> Interventions(IGrainFactory grains, string tenant, string? sessionId, DateTimeOffset? from, DateTimeOffset? to)
    {
        var entries = Directory(grains, tenant)?.Audit ?? [];
        return [.. entries.Where(e => (sessionId is null || e.SessionId == sessionId) && (from is null || e.Timestamp >= from) && (to is null || e.Timestamp <= to))];
    }

    /// <summary>The activity log, newest first; <paramref name="before"/> is the id of the last entry of the previous page.</summary>
    public ActivityPage Activity(IGrainFactory grains, string tenant, LiveFilter visibility, int limit, string? before)
    {
        var directory = Directory(grains, tenant);
        if (directory is null) return new ActivityPage([], null);
        var ordered = directory.Activity(options.MaxActivityEntries)
            .Select((entry, index) => (entry, index))
            .OrderByDescending(x => x.entry.At).ThenByDescending(x => x.index)
            .Select(x => x.entry);
        if (before is not null) ordered = ordered.SkipWhile(e => e.Id != before).Skip(1);
        if (visibility.Owners is { Count: > 0 })
        {
            ordered = ordered.Where(e => e.SessionId is not null
                && LiveFilter.AllowsOptional(visibility.Owners, grains.FindGrain<SessionGrain>(tenant, e.SessionId)?.OwnerId));
        }
        var page = ordered.Take(limit + 1).ToList();
        var more = page.Count > limit;
        if (more) page.RemoveAt(limit);
        return new ActivityPage(page, more ? page[^1].Id : null);
    }

    /// <summary>Everything a dashboard shows for one filter, read in one turn (the hub's snapshot and its refreshes).</summary>
    public DashboardView Dashboard(IGrainFactory grains, string tenant, LiveFilter filter, int maxCards, IReadOnlyList<ActivityEntry> newActivity)
    {
        var now = grains.Time.GetUtcNow();
        var cards = new Dictionary<string, SessionCard>(StringComparer.Ordinal);
        var total = 0;
        if (Directory(grains, tenant) is { } directory)
        {
            var matching = LiveSessions(grains, tenant, directory, now).Where(s => s.Matches(filter, now)).ToList();
            total = matching.Count;
            matching.Sort(static (a, b) => b.LastActivityAt.CompareTo(a.LastActivityAt) is var c and not 0 ? c : string.CompareOrdinal(a.Id, b.Id));
            foreach (var s in matching.Take(maxCards)) cards[s.Id] = s.Card(AgentOf(grains, tenant, s));
        }
        var activity = InScope(grains, tenant, filter, newActivity);
        return new DashboardView(Summary(grains, tenant, filter), Hourly(grains, tenant, filter), Agents(grains, tenant, filter),
            Metrics(grains, tenant, filter), total, cards, activity);
    }

    /// <summary>The cards of the given sessions as the filter sees them: a card when it is live and matches, null when not.</summary>
    public IReadOnlyDictionary<string, SessionCard?> Cards(IGrainFactory grains, string tenant, LiveFilter filter, IReadOnlyCollection<string> sessionIds)
    {
        var now = grains.Time.GetUtcNow();
        var cards = new Dictionary<string, SessionCard?>(sessionIds.Count, StringComparer.Ordinal);
        foreach (var id in sessionIds)
        {
            var s = grains.FindGrain<SessionGrain>(tenant, id);
            cards[id] = s is not null && !s.IsBroadcastOnly && s.IsLive(now, options.EndedGracePeriod) && s.Matches(filter, now)
                ? s.Card(AgentOf(grains, tenant, s))
                : null;
        }
        return cards;
    }

    /// <summary>The entries in a filter's scope: those whose session has the filter's team, owner, channel, agent and priority.</summary>
    public IReadOnlyList<ActivityEntry> InScope(IGrainFactory grains, string tenant, LiveFilter filter, IReadOnlyList<ActivityEntry> entries)
        => entries.Count == 0 ? [] : [.. entries.Where(e => InScope(grains, tenant, filter, e.SessionId))];

    /// <summary>The alerts in a filter's scope, by the same rule as activity entries.</summary>
    public IReadOnlyList<AlertView> InScope(IGrainFactory grains, string tenant, LiveFilter filter, IReadOnlyList<AlertView> alerts)
        => alerts.Count == 0 ? [] : [.. alerts.Where(a => InScope(grains, tenant, filter, a.SessionId))];

    private static bool InScope(IGrainFactory grains, string tenant, LiveFilter filter, string? sessionId)
    {
        if (sessionId is null) return filter.Owners is not { Count: > 0 };
        var session = grains.FindGrain<SessionGrain>(tenant, sessionId);
        if (session is null) return false;
        var attributes = filter with { Statuses = null, Q = null, MinDurationSec = null, MaxDurationSec = null };
        return session.Matches(attributes, grains.Time.GetUtcNow());
    }

    private IEnumerable<SessionGrain> LiveSessions(IGrainFactory grains, string tenant, TenantGrain directory, DateTimeOffset now)
    {
        foreach (var id in directory.SessionIds)
        {
            var session = grains.FindGrain<SessionGrain>(tenant, id);
            if (session is not null && !session.IsBroadcastOnly && session.IsLive(now, options.EndedGracePeriod)) yield return session;
        }
    }

    private static AgentGrain? AgentOf(IGrainFactory grains, string tenant, SessionGrain session)
        => session.AgentId is null ? null : grains.FindGrain<AgentGrain>(tenant, session.AgentId);
}

/// <summary>A dashboard's whole picture for one filter: figures, the matching cards (most recent first) and new activity in scope.</summary>
public sealed record DashboardView(
    SummaryView Summary,
    HourlyView Hourly,
    AgentsView Agents,
    MetricsView Metrics,
    int SessionTotal,
    IReadOnlyDictionary<string, SessionCard> Cards,
    IReadOnlyList<ActivityEntry> Activity);

/// <summary>Opaque paging cursor of the session list: the last card's activity time and id.</summary>
public static class SessionCursor
{
    public static string Format(DateTimeOffset at, string sessionId)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks}|{sessionId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParse(string? cursor, out (DateTimeOffset At, string SessionId) value)
    {
        value = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 400) return false;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var bar = text.IndexOf('|');
            if (bar <= 0 || !long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return false;
            value = (new DateTimeOffset(ticks, TimeSpan.Zero), text[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

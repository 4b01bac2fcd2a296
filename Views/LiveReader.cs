using LiveOrleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Views;

/// <summary>
/// The live queries, answered by the derived grains (the tenant-day for the summary and chart, the tenant directory
/// and the index for the agents panel, the index shards for cards, metrics and activity) and, for one session, by
/// its grain. No query visits every session. Time-dependent figures (presence, grace periods, "today", the rolling
/// window) are computed from the clock at each read.
/// </summary>
public sealed class LiveReader(IGrainFactory grains, IOptions<LiveOptions> options, [FromKeyedServices(LiveTime.Key)] TimeProvider time)
{
    public const int MaxPageSize = 500;

    /// <summary>Interventions in a session detail unless asked otherwise: the newest 20 (an entry may hold 32 KB of content and the reply it discarded).</summary>
    public const int DefaultInterventionPage = 20;
    public const int MaxInterventionPage = 100;
    private readonly LiveOptions _options = options.Value;

    public async Task<SummaryView> SummaryAsync(string tenant, LiveFilter filter)
    {
        var now = time.GetUtcNow();
        var zone = (await Tenant(tenant).GetSettings()).TimeZone;
        var day = TenantClock.Day(now, zone);
        var counts = await Day(tenant, day).Summary(filter);
        return DayFigures.ToSummary(counts, day, zone, now);
    }

    public async Task<HourlyView> HourlyAsync(string tenant, LiveFilter filter)
    {
        var now = time.GetUtcNow();
        var zone = (await Tenant(tenant).GetSettings()).TimeZone;
        var day = TenantClock.Day(now, zone);
        return new HourlyView(day, zone, await Day(tenant, day).Hourly(filter));
    }

    /// <summary>The agents panel: team → members of those teams, owner → those owners; the channel filter does not apply.</summary>
    public async Task<AgentsView> AgentsAsync(string tenant, LiveFilter filter)
    {
        var directory = Tenant(tenant).GetDirectory();
        var counts = await Task.WhenAll(Shards(tenant).Select(s => s.LiveSessionsByAgent()));
        return AgentsPanel.Build((await directory).Agents, counts, filter, time.GetUtcNow(), _options.PresenceTimeout);
    }

    /// <summary>The metrics bar over the sessions the filter selects.</summary>
    public async Task<MetricsView> MetricsAsync(string tenant, LiveFilter filter)
    {
        var parts = await Task.WhenAll(Shards(tenant).Select(s => s.Metrics(filter)));
        return parts.Aggregate(MetricsPart.Empty, (a, b) => a.Add(b)).ToView();
    }

    /// <summary>Live session cards matching the filter, most recent activity first, after the cursor's position.</summary>
    public async Task<SessionsPage> SessionsAsync(string tenant, LiveFilter filter, int limit, SessionListPosition? after)
    {
        var directory = Tenant(tenant).GetDirectory();
        var parts = await Task.WhenAll(Shards(tenant).Select(s => s.Page(filter, limit, after)));
        var items = parts.SelectMany(p => p.Items).Select(e => e.Card).ToList();
        items.Sort(SessionRules.CompareForList);
        if (items.Count > limit) items.RemoveRange(limit, items.Count - limit);
        var more = (parts.Any(p => p.More) || parts.Sum(p => p.Items.Count) > items.Count) && items.Count > 0;
        var next = more ? SessionCursor.Format(items[^1].LastActivityAt, items[^1].SessionId) : null;
        var agents = AgentsById((await directory).Agents);
        return new SessionsPage(parts.Sum(p => p.Total), [.. items.Select(c => Named(c, agents))], next);
    }

    /// <summary>One session (live or not) with a page of its transcript; null when it does not exist or the visibility filter hides it.</summary>
    public async Task<SessionDetail?> SessionAsync(string tenant, string sessionId, LiveFilter visibility, int limit, int from,
        int interventionLimit = DefaultInterventionPage, int? interventionsBefore = null)
    {
        var detail = await grains.GetGrain<ISessionGrain>(LiveKeys.Of(tenant, sessionId)).GetDetail(limit, from, interventionLimit, interventionsBefore);
        if (detail is null || !LiveFilter.AllowsOptional(visibility.Owners, detail.Card.OwnerId)) return null;
        var agent = detail.Card.AgentId is null ? null : await grains.GetGrain<IAgentGrain>(LiveKeys.Of(tenant, detail.Card.AgentId)).GetRecord();
        return detail with { Card = Named(detail.Card, agent) };
    }

    /// <summary>The activity log, newest first; <paramref name="before"/> is the id of the last entry of the previous page.</summary>
    public async Task<ActivityPage> ActivityAsync(string tenant, LiveFilter visibility, int limit, string? before)
    {
        var parts = await Task.WhenAll(Shards(tenant).Select(s => s.Activity(visibility, limit + 1, before)));
        var page = parts.SelectMany(p => p).Order(Comparer<ActivityEntry>.Create(ActivityIds.Compare)).Take(limit + 1).ToList();
        var more = page.Count > limit;
        if (more) page.RemoveAt(limit);
        return new ActivityPage(page, more ? page[^1].Id : null);
    }

    /// <summary>The tenant's settings.</summary>
    public Task<TenantSettings> SettingsAsync(string tenant) => Tenant(tenant).GetSettings();

    /// <summary>A card with its agent's name and colour from the directory.</summary>
    public static SessionCard Named(SessionCard card, IReadOnlyDictionary<string, AgentRecord> agents)
        => Named(card, card.AgentId is null ? null : agents.GetValueOrDefault(card.AgentId));

    private static SessionCard Named(SessionCard card, AgentRecord? agent) => card with
    {
        AgentName = agent?.Name ?? card.AgentId,
        AgentColor = agent?.Color ?? (card.AgentId is null ? null : AgentColors.For(card.AgentId)),
    };

    public static IReadOnlyDictionary<string, AgentRecord> AgentsById(IReadOnlyList<AgentRecord> agents)
        => agents.ToDictionary(a => a.Id, StringComparer.Ordinal);

    private ITenantGrain Tenant(string tenant) => grains.GetGrain<ITenantGrain>(tenant);

    private ITenantDayGrain Day(string tenant, string day) => grains.GetGrain<ITenantDayGrain>(LiveKeys.Of(tenant, day));

    private IEnumerable<ILiveIndexGrain> Shards(string tenant)
        => Enumerable.Range(0, _options.IndexShards).Select(i => grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(tenant, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
}

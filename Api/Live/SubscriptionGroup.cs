using LiveOrleans.Live;
using LiveOrleans.Views;
using System.Text.Json;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Connections of one tenant with the same filter: what they were last sent is kept once, each change is computed
/// once and serialised once, then queued to every member.
/// </summary>
public sealed class SubscriptionGroup(LiveFilter filter, int maxCards)
{
    private readonly Dictionary<string, string> _figures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SessionCard> _cards = new(StringComparer.Ordinal);

    public LiveFilter Filter { get; } = filter;

    public HashSet<DashboardConnection> Members { get; } = [];

    public bool FiguresDirty { get; set; }

    public DateTimeOffset FiguresSentAt { get; private set; }

    /// <summary>Whether what the filter selects changes with time alone (a duration filter).</summary>
    public bool DependsOnTime => Filter.MinDurationSec is not null || Filter.MaxDurationSec is not null;

    public void Remember(DashboardSnapshot snapshot)
    {
        _figures[nameof(ILiveClient.summary)] = Comparable(snapshot.Summary with { AsOf = default });
        _figures[nameof(ILiveClient.hourly)] = Comparable(snapshot.Hourly);
        _figures[nameof(ILiveClient.agents)] = Comparable(snapshot.Agents);
        _figures[nameof(ILiveClient.metrics)] = Comparable(snapshot.Metrics);
        foreach (var card in snapshot.Sessions.Items) _cards[card.SessionId] = card;
    }

    public void Send(string? key, string method, params object?[] arguments)
    {
        if (Members.Count == 0) return;
        var message = new ConnectionQueue.Message(method, arguments);
        foreach (var member in Members) member.Queue.Enqueue(key, message);
    }

    /// <summary>Pushes a session's card when it entered or changed in the filter, its removal when it left.</summary>
    public void PushCard(string sessionId, SessionCard? card)
    {
        if (card is not null)
        {
            if (_cards.TryGetValue(sessionId, out var sent) && sent == card) return;
            _cards[sessionId] = card;
            Send("card:" + sessionId, nameof(ILiveClient.sessionUpserted), RawJson.Of(card));
            if (_cards.Count > maxCards * 2) Forget();
        }
        else if (_cards.Remove(sessionId))
        {
            Send("card:" + sessionId, nameof(ILiveClient.sessionRemoved), sessionId);
        }
    }

    /// <summary>
    /// A full comparison with what the filter selects now (time-dependent filters): the remembered cards it no longer
    /// selects leave, its <paramref name="first"/> cards in list order are pushed where they changed.
    /// </summary>
    public void PushAllCards(IReadOnlyList<SessionCard> first, Func<string, bool> visible)
    {
        foreach (var id in _cards.Keys.Where(id => !visible(id)).ToArray()) PushCard(id, null);
        foreach (var card in first.Take(maxCards)) PushCard(card.SessionId, card);
    }

    /// <summary>Keeps what is remembered bounded: the least recent cards beyond the snapshot's size are no longer tracked (their browsers keep them).</summary>
    private void Forget()
    {
        foreach (var card in _cards.Values.Order(Comparer<SessionCard>.Create(SessionRules.CompareForList)).Skip(maxCards).ToArray()) _cards.Remove(card.SessionId);
    }

    public void PushFigures(FigureCache figures, DateTimeOffset now)
    {
        var (summary, summaryJson) = figures.Summary(Filter);
        SendIfChanged(nameof(ILiveClient.summary), summaryJson, summary);
        var (hourly, hourlyJson) = figures.Hourly(Filter);
        SendIfChanged(nameof(ILiveClient.hourly), hourlyJson, hourly);
        var (agents, agentsJson) = figures.Agents(Filter);
        SendIfChanged(nameof(ILiveClient.agents), agentsJson, agents);
        var metrics = figures.Metrics(Filter);
        SendIfChanged(nameof(ILiveClient.metrics), Comparable(metrics), RawJson.Of(metrics));
        FiguresDirty = false;
        FiguresSentAt = now;
    }

    private void SendIfChanged(string name, string comparable, RawJson payload)
    {
        if (_figures.TryGetValue(name, out var last) && last == comparable) return;
        _figures[name] = comparable;
        Send(name, name, payload);
    }

    public static string Comparable<T>(T value) => JsonSerializer.Serialize(value, LiveJson.Options);
}

/// <summary>
/// Figures computed once per tick for every group that needs them: the summary and chart depend only on teams,
/// owners and channels, the agents panel only on teams and owners, so groups that differ elsewhere share them.
/// </summary>
public sealed class FigureCache(TenantReplica replica, DateTimeOffset now)
{
    private readonly Dictionary<string, (RawJson, string, SummaryView)> _summaries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RawJson, string, HourlyView)> _hourly = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RawJson, string, AgentsView)> _agents = new(StringComparer.Ordinal);

    private static string DayKey(LiveFilter filter) => SubscriptionGroup.Comparable(new LiveFilter { Teams = filter.Teams, Owners = filter.Owners, Channels = filter.Channels });

    private static string AgentsKey(LiveFilter filter) => SubscriptionGroup.Comparable(new LiveFilter { Teams = filter.Teams, Owners = filter.Owners });

    public (RawJson Payload, string Comparable) Summary(LiveFilter filter)
    {
        var (payload, comparable, _) = SummaryOf(filter);
        return (payload, comparable);
    }

    public SummaryView SummaryView(LiveFilter filter) => SummaryOf(filter).Item3;

    private (RawJson, string, SummaryView) SummaryOf(LiveFilter filter)
    {
        var key = DayKey(filter);
        if (_summaries.TryGetValue(key, out var cached)) return cached;
        var summary = replica.Summary(filter, now);
        return _summaries[key] = (RawJson.Of(summary), SubscriptionGroup.Comparable(summary with { AsOf = default }), summary);
    }

    public (RawJson Payload, string Comparable) Hourly(LiveFilter filter)
    {
        var (payload, comparable, _) = HourlyOf(filter);
        return (payload, comparable);
    }

    public HourlyView HourlyView(LiveFilter filter) => HourlyOf(filter).Item3;

    private (RawJson, string, HourlyView) HourlyOf(LiveFilter filter)
    {
        var key = DayKey(filter);
        if (_hourly.TryGetValue(key, out var cached)) return cached;
        var hourly = replica.Hourly(filter, now);
        return _hourly[key] = (RawJson.Of(hourly), SubscriptionGroup.Comparable(hourly), hourly);
    }

    public (RawJson Payload, string Comparable) Agents(LiveFilter filter)
    {
        var (payload, comparable, _) = AgentsOf(filter);
        return (payload, comparable);
    }

    public AgentsView AgentsView(LiveFilter filter) => AgentsOf(filter).Item3;

    private (RawJson, string, AgentsView) AgentsOf(LiveFilter filter)
    {
        var key = AgentsKey(filter);
        if (_agents.TryGetValue(key, out var cached)) return cached;
        var agents = replica.AgentsPanelView(filter, now);
        return _agents[key] = (RawJson.Of(agents), SubscriptionGroup.Comparable(agents), agents);
    }

    private readonly Dictionary<string, MetricsView> _metrics = new(StringComparer.Ordinal);

    /// <summary>
    /// Computes the metrics bar of every filter given in one walk of the replica (each a walk of every live entry
    /// otherwise): for a tick where many groups or screens with different filters need their figures.
    /// </summary>
    public void PrepareMetrics(IEnumerable<LiveFilter> filters)
    {
        var wanted = new Dictionary<string, LiveFilter>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            var key = SubscriptionGroup.Comparable(filter);
            if (!_metrics.ContainsKey(key)) wanted.TryAdd(key, filter);
        }
        if (wanted.Count == 0) return;
        var views = replica.Metrics([.. wanted.Values], now);
        var i = 0;
        foreach (var key in wanted.Keys) _metrics[key] = views[i++];
    }

    public MetricsView Metrics(LiveFilter filter)
    {
        var key = SubscriptionGroup.Comparable(filter);
        if (!_metrics.TryGetValue(key, out var view)) _metrics[key] = view = replica.Metrics(filter, now);
        return view;
    }
}

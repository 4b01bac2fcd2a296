using System.Collections.Concurrent;
using System.Text.Json;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Api.Http;
using LiveOrleans.Grains;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Turns grain notifications into dashboard pushes. Connections with the same tenant and (visible) filter form
/// one subscription group: what the group sees is computed once in the tenant's partition, diffed against what
/// the group was last sent, and each change is serialised once for all its members.
/// <list type="bullet">
/// <item>Cards of the sessions that changed and new activity: every tick (25 ms).</item>
/// <item>Figures: at most every 250 ms (merged, so a burst of events is one push), at least every second, together
/// with a full card diff for what changes with time alone (grace periods, durations, presence, midnight).</item>
/// <item>Watched sessions: messages, tokens and state changes as they happen, in order.</item>
/// </list>
/// </summary>
public sealed partial class LivePush(
    LiveNotificationQueue notifications, LiveEngine engine, IHubContext<LiveHub> hub, IHubContext<RuntimeHub> runtime,
    ControlStreams controlStreams, TimeProvider time, ILogger<LivePush> logger)
    : BackgroundService
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);
    public const int MaxCards = 1_000;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(25);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Subscriber> _subscribers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantGroups> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Session), bool> _paused = new();

    /// <summary>Whether a session is paused, as of the last notification (the session grain has the last word).</summary>
    public bool IsPaused(string tenant, string sessionId) => _paused.ContainsKey((tenant, sessionId));

    /// <summary>Set by the intervention endpoint before it answers, so the pause is enforced from the 201 on.</summary>
    public void SetPaused(string tenant, string sessionId, bool paused)
    {
        if (paused) _paused[(tenant, sessionId)] = true;
        else _paused.TryRemove((tenant, sessionId), out _);
    }

    private sealed record Subscriber(string Tenant, string GroupKey, HashSet<string> Watched);

    private sealed class TenantGroups
    {
        public Dictionary<string, Group> Groups { get; } = new(StringComparer.Ordinal);
        public List<ActivityEntry> NewActivity { get; } = [];
        public List<AlertView> NewAlerts { get; } = [];
        public HashSet<string> ChangedSessions { get; } = new(StringComparer.Ordinal);
        public bool Dirty { get; set; }
        public DateTimeOffset LastRefresh { get; set; }
    }

    private sealed class Group(string name, LiveFilter filter)
    {
        public string Name { get; } = name;
        public LiveFilter Filter { get; } = filter;
        public HashSet<string> Members { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Figures { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, SessionCard> Cards { get; set; } = new(StringComparer.Ordinal);
    }

    public async Task<DashboardSnapshot> SubscribeAsync(string connectionId, string tenant, LiveFilter filter)
    {
        var key = JsonSerializer.Serialize(filter, LiveJson.Options);
        var groupName = $"sub|{tenant}|{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16]}";
        Remove(connectionId, keepWatches: true);
        var view = await engine.QueryAsync(tenant, (q, g) => q.Dashboard(g, tenant, filter, MaxCards, []));
        lock (_lock)
        {
            var groups = TenantOf(tenant);
            if (!groups.Groups.TryGetValue(groupName, out var group))
            {
                groups.Groups[groupName] = group = new Group(groupName, filter);
                Remember(group, view);
            }
            group.Members.Add(connectionId);
            var watched = _subscribers.TryGetValue(connectionId, out var old) ? old.Watched : new HashSet<string>(StringComparer.Ordinal);
            _subscribers[connectionId] = new Subscriber(tenant, groupName, watched);
        }
        await hub.Groups.AddToGroupAsync(connectionId, groupName);
        var activity = await engine.QueryAsync(tenant, (q, g) => q.Activity(g, tenant, filter, 20, null));
        return new DashboardSnapshot(view.Summary, view.Hourly, view.Agents, view.Metrics,
            new SessionList(view.SessionTotal, [.. view.Cards.Values]), activity.Items);
    }

    public async Task<object?> WatchAsync(string connectionId, string tenant, string sessionId, LiveFilter visibility)
    {
        var detail = await engine.QueryAsync(tenant, (q, g) => q.Session(g, tenant, sessionId, visibility, 100, null));
        if (detail is null) return null;
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(connectionId, out var subscriber))
                _subscribers[connectionId] = subscriber = new Subscriber(tenant, "", new HashSet<string>(StringComparer.Ordinal));
            subscriber.Watched.Add(sessionId);
        }
        await hub.Groups.AddToGroupAsync(connectionId, WatchGroup(tenant, sessionId));
        return SessionDetailJson.From(detail);
    }

    public async Task UnwatchAsync(string connectionId, string tenant, string sessionId)
    {
        lock (_lock)
        {
            if (_subscribers.TryGetValue(connectionId, out var subscriber)) subscriber.Watched.Remove(sessionId);
        }
        await hub.Groups.RemoveFromGroupAsync(connectionId, WatchGroup(tenant, sessionId));
    }

    public void Remove(string connectionId) => Remove(connectionId, keepWatches: false);

    private void Remove(string connectionId, bool keepWatches)
    {
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(connectionId, out var subscriber)) return;
            if (_tenants.TryGetValue(subscriber.Tenant, out var groups) && groups.Groups.TryGetValue(subscriber.GroupKey, out var group))
            {
                group.Members.Remove(connectionId);
                if (group.Members.Count == 0) groups.Groups.Remove(group.Name);
                _ = hub.Groups.RemoveFromGroupAsync(connectionId, group.Name);
            }
            if (keepWatches) _subscribers[connectionId] = subscriber with { GroupKey = "" };
            else _subscribers.Remove(connectionId);
        }
    }

    /// <summary>A token of a watched session: pushed at once, in order, to its watchers only.</summary>
    public void Token(string tenant, string sessionId, string messageId, string delta, int index)
        => Send(WatchGroup(tenant, sessionId), "token", sessionId, messageId, delta, index);

    private static string WatchGroup(string tenant, string sessionId) => $"watch|{tenant}|{sessionId}";

    private TenantGroups TenantOf(string tenant)
    {
        if (!_tenants.TryGetValue(tenant, out var groups)) _tenants[tenant] = groups = new TenantGroups();
        return groups;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Drain();
                    await RefreshAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.PushFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private void Drain()
    {
        while (notifications.TryTake(out var n))
        {
            switch (n)
            {
                case MessageRecorded m: Send(WatchGroup(m.Tenant, m.SessionId), "message", m.SessionId, m.Message); break;
                case SessionStateChanged s:
                    Send(WatchGroup(s.Tenant, s.SessionId), "sessionState", s.SessionId, s.State);
                    if (s.State == LiveState.Paused) _paused[(s.Tenant, s.SessionId)] = true;
                    else _paused.TryRemove((s.Tenant, s.SessionId), out _);
                    break;
                case InterventionRecorded i: Send(WatchGroup(i.Tenant, i.Entry.SessionId), "intervention", i.Entry); break;
                case ControlIssued c:
                    SendRuntime(c.Tenant, Endpoints.ControlPayload.From(c.Command));
                    controlStreams.Publish(c.Tenant, c.Command);
                    break;
            }
            lock (_lock)
            {
                if (!_tenants.TryGetValue(n.Tenant, out var groups) || groups.Groups.Count == 0) continue;
                groups.Dirty = true;
                if (n is ActivityRecorded a) groups.NewActivity.Add(a.Entry);
                if (n is SessionChanged c) groups.ChangedSessions.Add(c.SessionId);
                if (n is AlertRaised alert) groups.NewAlerts.Add(alert.Alert);
            }
        }
    }

    private async Task RefreshAsync()
    {
        var now = time.GetUtcNow();
        List<(string Tenant, Group[] Groups, ActivityEntry[] Activity, AlertView[] Alerts, string[] Changed, bool Full)> due = [];
        lock (_lock)
        {
            foreach (var (tenant, groups) in _tenants)
            {
                if (groups.Groups.Count == 0) continue;
                var since = now - groups.LastRefresh;
                var full = since >= MaxInterval || (groups.Dirty && since >= MinInterval);
                if (!full && groups.ChangedSessions.Count == 0 && groups.NewActivity.Count == 0 && groups.NewAlerts.Count == 0) continue;
                if (full)
                {
                    groups.Dirty = false;
                    groups.LastRefresh = now;
                }
                due.Add((tenant, [.. groups.Groups.Values], [.. groups.NewActivity], [.. groups.NewAlerts], [.. groups.ChangedSessions], full));
                groups.NewActivity.Clear();
                groups.NewAlerts.Clear();
                groups.ChangedSessions.Clear();
            }
        }
        foreach (var (tenant, groups, activity, alerts, changed, full) in due)
        {
            foreach (var group in groups)
            {
                if (alerts.Length > 0)
                {
                    foreach (var alert in await engine.QueryAsync(tenant, (q, g) => q.InScope(g, tenant, group.Filter, alerts)))
                        Send(group.Name, "alert", alert);
                }
                if (full)
                {
                    var view = await engine.QueryAsync(tenant, (q, g) => q.Dashboard(g, tenant, group.Filter, MaxCards, activity));
                    Push(group, view);
                }
                else
                {
                    var (cards, inScope) = await engine.QueryAsync(tenant, (q, g) => (q.Cards(g, tenant, group.Filter, changed), q.InScope(g, tenant, group.Filter, activity)));
                    PushCards(group, cards);
                    foreach (var entry in inScope) Send(group.Name, "activity", entry);
                }
            }
        }
    }

    private void PushCards(Group group, IReadOnlyDictionary<string, SessionCard?> cards)
    {
        foreach (var (id, card) in cards)
        {
            if (card is not null)
            {
                if (group.Cards.TryGetValue(id, out var old) && old == card) continue;
                group.Cards[id] = card;
                Send(group.Name, "sessionUpserted", card);
            }
            else if (group.Cards.Remove(id))
            {
                Send(group.Name, "sessionRemoved", id);
            }
        }
    }

    private void Push(Group group, DashboardView view)
    {
        SendFigure(group, "summary", view.Summary with { AsOf = default }, view.Summary);
        SendFigure(group, "hourly", view.Hourly, view.Hourly);
        SendFigure(group, "agents", view.Agents, view.Agents);
        SendFigure(group, "metrics", view.Metrics, view.Metrics);
        foreach (var (id, card) in view.Cards)
        {
            if (!group.Cards.TryGetValue(id, out var old) || old != card) Send(group.Name, "sessionUpserted", card);
        }
        foreach (var id in group.Cards.Keys)
        {
            if (!view.Cards.ContainsKey(id)) Send(group.Name, "sessionRemoved", id);
        }
        group.Cards = new Dictionary<string, SessionCard>(view.Cards, StringComparer.Ordinal);
        foreach (var entry in view.Activity) Send(group.Name, "activity", entry);
    }

    // Figures are compared without their clock fields, so an unchanged summary is not pushed again.
    private void SendFigure(Group group, string name, object comparable, object payload)
    {
        var json = JsonSerializer.Serialize(comparable, LiveJson.Options);
        if (group.Figures.TryGetValue(name, out var last) && last == json) return;
        group.Figures[name] = json;
        Send(group.Name, name, payload);
    }

    private static void Remember(Group group, DashboardView view)
    {
        group.Figures["summary"] = JsonSerializer.Serialize(view.Summary with { AsOf = default }, LiveJson.Options);
        group.Figures["hourly"] = JsonSerializer.Serialize(view.Hourly, LiveJson.Options);
        group.Figures["agents"] = JsonSerializer.Serialize(view.Agents, LiveJson.Options);
        group.Figures["metrics"] = JsonSerializer.Serialize(view.Metrics, LiveJson.Options);
        group.Cards = new Dictionary<string, SessionCard>(view.Cards, StringComparer.Ordinal);
    }

    private void SendRuntime(string tenant, Endpoints.ControlPayload command)
        => Observe(runtime.Clients.Group(RuntimeHub.GroupOf(tenant)).SendAsync("control", command));

    /// <summary>
    /// Sends to a SignalR group without waiting: the message is serialised once for the group and written to each
    /// member's connection at once, in call order. A slow member's writes queue on its own connection only, so it
    /// never holds back the loop or the other members; a member that stops answering is dropped by SignalR's
    /// client time-out (30 s), which frees what queued for it.
    /// </summary>
    private void Send(string group, string method, params object?[] args)
        => Observe(hub.Clients.Group(group).SendCoreAsync(method, args));

    private void Observe(Task send)
    {
        if (send.IsCompletedSuccessfully) return;
        send.ContinueWith(t => Log.SendFailed(logger, t.Exception!), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "A dashboard refresh failed; the next tick tries again.")]
        public static partial void PushFailed(ILogger logger, Exception ex);

        [LoggerMessage(2, LogLevel.Warning, "A push to dashboards failed.")]
        public static partial void SendFailed(ILogger logger, Exception ex);
    }
}

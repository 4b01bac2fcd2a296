using System.Collections.Concurrent;
using LiveOrleans.Views;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Api.Live;

/// <summary>What <c>Subscribe</c> answers: the whole picture for the filter, then pushes keep it current.</summary>
public sealed record DashboardSnapshot(
    SummaryView Summary,
    HourlyView Hourly,
    AgentsView Agents,
    MetricsView Metrics,
    SessionList Sessions,
    IReadOnlyList<ActivityEntry> Activity,
    IReadOnlyDictionary<string, int> WatcherCounts)
{
    /// <summary>With ticks: the screen's name, which its frames carry.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Screen { get; init; }

    /// <summary>With ticks: the frame this screen is of; the first <c>tick</c> the client applies has this as its <c>base</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? Seq { get; init; }

    /// <summary>With ticks: how many cards the screen shows.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Window { get; init; }
}

public sealed record SessionList(int Total, IReadOnlyList<SessionCard> Items);

/// <summary>
/// Dashboards' pushes on this host. Each tenant with a connected dashboard gets a <see cref="TenantView"/>: a replica
/// of its live view fed by the tenant stream, the subscription groups (connections with the same filter share one
/// computation and one serialisation of every push) and the watched sessions, all on one loop of its own. Each
/// connection gets a bounded queue. A new dashboard costs no grain call once its tenant's replica is there.
/// </summary>
public sealed partial class LiveFanout(
    StreamSubscriptions streams,
    IGrainFactory grains,
    LiveReader reader,
    IOptions<LiveOptions> liveOptions,
    PushOptions pushOptions,
    LiveHubLifetimeManager connections,
    [FromKeyedServices(LiveTime.Key)] TimeProvider time,
    Identity.PersonNames names,
    ILoggerFactory loggers) : BackgroundService
{
    /// <summary>
    /// How often views renew their leases on the grains they listen to. A grain activated again after its silo
    /// failed knows of no listener until the next renewal, so this bounds how long dashboards miss changes then.
    /// </summary>
    private static readonly TimeSpan LeaseRenewal = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleView = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, TenantView> _views = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DashboardConnection> _connections = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<LiveFanout>();

    /// <summary>This host, as the presence grain knows it (its watches are renewed under it; a host that died loses them).</summary>
    private readonly string _node = Guid.NewGuid().ToString("N");

    private readonly Dictionary<string, int> _perTenant = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);

    /// <summary>A dashboard connected: it gets its queue, unless its person or tenant has as many connections on this node as allowed.</summary>
    /// <exception cref="HubException">A cap is reached (the client sees the message when the connection closes).</exception>
    public void Connected(HubCallerContext context, string tenant, string user, string name, LiveFilter visibility)
    {
        var userKey = tenant + "/" + user;
        lock (_perTenant)
        {
            if (pushOptions.MaxConnectionsPerUser > 0 && _perUser.GetValueOrDefault(userKey) >= pushOptions.MaxConnectionsPerUser)
                throw new HubException($"You already have {pushOptions.MaxConnectionsPerUser} dashboards connected to this node (Push:MaxConnectionsPerUser); close one and connect again.");
            if (pushOptions.MaxConnectionsPerTenant > 0 && _perTenant.GetValueOrDefault(tenant) >= pushOptions.MaxConnectionsPerTenant)
                throw new HubException($"Your organisation already has {pushOptions.MaxConnectionsPerTenant} dashboards connected to this node (Push:MaxConnectionsPerTenant); close one and connect again.");
            _perUser[userKey] = _perUser.GetValueOrDefault(userKey) + 1;
            _perTenant[tenant] = _perTenant.GetValueOrDefault(tenant) + 1;
        }
        LiveTelemetry.Dashboards.Add(1);
        _connections[context.ConnectionId] = new DashboardConnection(context.ConnectionId, tenant, user, name, visibility,
            new ConnectionQueue(context.ConnectionId, connections.Find(context.ConnectionId)
                ?? throw new InvalidOperationException($"Connection {context.ConnectionId} is not known to the hub's lifetime manager."),
                pushOptions.MaxQueuedBytes, _logger));
    }

    public async Task DisconnectedAsync(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection)) return;
        lock (_perTenant)
        {
            if (--_perUser[connection.UserKey] == 0) _perUser.Remove(connection.UserKey);
            if (--_perTenant[connection.Tenant] == 0) _perTenant.Remove(connection.Tenant);
        }
        LiveTelemetry.Dashboards.Add(-1);
        // Before the view is told: a Subscribe or WatchSession of this connection still on its way to the view's loop
        // finds it closed there, and joins nothing that its leaving would no longer release.
        connection.Closed = true;
        connection.Queue.Close();
        if (_views.TryGetValue(connection.Tenant, out var view)) await view.LeaveAsync(connection);
    }

    /// <summary>Replaces the connection's subscription; answers the snapshot of its filter.</summary>
    public async Task<DashboardSnapshot> SubscribeAsync(string connectionId, LiveFilter filter, int? window = null)
    {
        var connection = _connections[connectionId];
        return await ViewOf(connection.Tenant, view => view.SubscribeAsync(connection, filter, window));
    }

    /// <summary>
    /// Starts the watch pushes of a session and makes the person one of its watchers, then answers its detail and its
    /// watchers (null when it does not exist or is not visible).
    /// </summary>
    public async Task<(SessionDetail Detail, IReadOnlyList<SessionWatcher> Watchers)?> WatchAsync(string connectionId, string sessionId, LiveFilter visibility)
    {
        var connection = _connections[connectionId];
        var detail = await reader.SessionAsync(connection.Tenant, sessionId, visibility, 100, 0);
        if (detail is null) return null;
        // Listening starts before the detail is read again, so nothing falls between the two (a message may come twice).
        var watchers = await ViewOf(connection.Tenant, view => view.WatchAsync(connection, sessionId));
        return (await reader.SessionAsync(connection.Tenant, sessionId, visibility, 100, 0) ?? detail, watchers ?? []);
    }

    public async Task UnwatchAsync(string connectionId, string sessionId)
    {
        if (_connections.TryGetValue(connectionId, out var connection) && _views.TryGetValue(connection.Tenant, out var view))
            await view.UnwatchAsync(connection, sessionId);
    }

    private async Task<T> ViewOf<T>(string tenant, Func<TenantView, Task<T>> use)
    {
        while (true)
        {
            var view = _views.GetOrAdd(tenant, t => new TenantView(t, _node, streams, grains, liveOptions.Value, pushOptions, time, names, loggers.CreateLogger<TenantView>()));
            try
            {
                await view.StartAsync();
                return await use(view);
            }
            catch (ObjectDisposedException)
            {
                // It closed as we arrived: the next one is opened.
                _views.TryRemove(new KeyValuePair<string, TenantView>(tenant, view));
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(pushOptions.Tick);
        var lastRenewal = DateTimeOffset.UtcNow;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var renew = DateTimeOffset.UtcNow - lastRenewal >= LeaseRenewal;
                if (renew) lastRenewal = DateTimeOffset.UtcNow;
                foreach (var (tenant, view) in _views)
                {
                    view.Tick(renew);
                    if (view.IdleFor >= IdleView && _views.TryRemove(new KeyValuePair<string, TenantView>(tenant, view))) await view.DisposeAsync();
                }
            }
        }
        catch (OperationCanceledException) { }
        foreach (var view in _views.Values) await view.DisposeAsync();
    }
}

/// <summary>A dashboard connection: its tenant, its person, its queue, its subscription group and its watched sessions.</summary>
public sealed class DashboardConnection(string id, string tenant, string userId, string name, LiveFilter visibility, ConnectionQueue queue)
{
    public string Id { get; } = id;
    public string Tenant { get; } = tenant;

    /// <summary>The person's id (<c>usr_…</c>) and name, as other watchers of a session see them.</summary>
    public string UserId { get; } = userId;
    public string Name { get; } = name;

    /// <summary>The person: tenant and user id.</summary>
    public string UserKey { get; } = tenant + "/" + userId;

    /// <summary>What the person may see (role agent: the conversations it owns); checked before every push of a watched session.</summary>
    public LiveFilter Visibility { get; } = visibility;
    public ConnectionQueue Queue { get; } = queue;

    /// <summary>Set and read on the tenant's loop only.</summary>
    public string? GroupKey { get; set; }

    private volatile bool _closed;

    /// <summary>Set once the connection has gone, before the view is told; the view's loop then adds it to nothing.</summary>
    public bool Closed { get => _closed; set => _closed = value; }

    /// <summary>The sessions it watches, with when it began (set and read on the tenant's loop only).</summary>
    public Dictionary<string, DateTimeOffset> Watched { get; } = new(StringComparer.Ordinal);
}

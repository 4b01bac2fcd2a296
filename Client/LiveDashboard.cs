using System.Text.Json;
using LiveOrleans.Queries;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveOrleans.Client;

/// <summary>What <see cref="LiveDashboard.SubscribeAsync"/> answers: the whole picture for the filter (pushes keep it current).</summary>
/// <param name="Summary">Today's summary.</param>
/// <param name="Hourly">The hourly chart.</param>
/// <param name="Agents">The agents panel.</param>
/// <param name="Metrics">The metrics bar.</param>
/// <param name="Sessions">The session cards.</param>
/// <param name="Activity">The newest activity-log entries in scope.</param>
/// <param name="WatcherCounts">How many people watch each card of the snapshot, for those with at least one (docs/hubs.md, Presence).</param>
public sealed record DashboardSnapshot(SummaryView Summary, HourlyView Hourly, AgentsView Agents, MetricsView Metrics, DashboardSessions Sessions, IReadOnlyList<ActivityEntry> Activity,
    IReadOnlyDictionary<string, int>? WatcherCounts = null);

/// <summary>The session cards of a snapshot: how many match, and the most recent of them.</summary>
public sealed record DashboardSessions(int Total, IReadOnlyList<SessionCard> Items);

/// <summary>
/// A typed <c>/hubs/live</c> connection for .NET dashboards and services (docs/hubs.md): subscribe with a filter,
/// then every change arrives through the events below; watch sessions for their messages, tokens and state. The
/// connection reconnects by itself; after a reconnection call <see cref="SubscribeAsync"/> (and
/// <see cref="WatchSessionAsync"/>) again — <see cref="Reconnected"/> says when.
/// </summary>
public sealed class LiveDashboard : IAsyncDisposable
{
    private readonly HubConnection _hub;

    /// <param name="baseAddress">The engine's address.</param>
    /// <param name="accessToken">A person's access token (<see cref="LiveOrleansReader.SignInAsync"/>).</param>
    public LiveDashboard(Uri baseAddress, string accessToken)
    {
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken))
            .AddJsonProtocol(o => LiveJson.Configure(o.PayloadSerializerOptions))
            .WithAutomaticReconnect()
            .Build();
        _hub.On<SummaryView>("summary", v => Summary?.Invoke(v));
        _hub.On<HourlyView>("hourly", v => Hourly?.Invoke(v));
        _hub.On<AgentsView>("agents", v => Agents?.Invoke(v));
        _hub.On<MetricsView>("metrics", v => Metrics?.Invoke(v));
        _hub.On<SessionCard>("sessionUpserted", v => SessionUpserted?.Invoke(v));
        _hub.On<string>("sessionRemoved", v => SessionRemoved?.Invoke(v));
        _hub.On<ActivityEntry>("activity", v => Activity?.Invoke(v));
        _hub.On<AlertView>("alert", v => Alert?.Invoke(v));
        _hub.On<string, MessageView>("message", (s, m) => Message?.Invoke(s, m));
        _hub.On<string, string, string, int>("token", (s, m, d, i) => Token?.Invoke(s, m, d, i));
        _hub.On<string, string>("sessionState", (s, state) => SessionState?.Invoke(s, state));
        _hub.On<InterventionView>("intervention", v => Intervention?.Invoke(v));
        _hub.On<string, IReadOnlyList<LiveOrleans.Live.SessionWatcher>>("presence", (s, w) => Presence?.Invoke(s, w));
        _hub.On<string, int>("watcherCount", (s, n) => WatcherCount?.Invoke(s, n));
        _hub.Reconnected += _ => { Reconnected?.Invoke(); return Task.CompletedTask; };
    }

    /// <summary>Today's summary changed.</summary>
    public event Action<SummaryView>? Summary;
    /// <summary>The hourly chart changed.</summary>
    public event Action<HourlyView>? Hourly;
    /// <summary>The agents panel changed.</summary>
    public event Action<AgentsView>? Agents;
    /// <summary>The metrics bar changed.</summary>
    public event Action<MetricsView>? Metrics;
    /// <summary>A session card entered the filter or changed.</summary>
    public event Action<SessionCard>? SessionUpserted;
    /// <summary>A session left the filter (or the list).</summary>
    public event Action<string>? SessionRemoved;
    /// <summary>A new activity-log entry in the filter.</summary>
    public event Action<ActivityEntry>? Activity;
    /// <summary>An alert (a customer waiting too long, an intervention).</summary>
    public event Action<AlertView>? Alert;
    /// <summary>A message of a watched session (session id, message).</summary>
    public event Action<string, MessageView>? Message;
    /// <summary>A token of a watched session's reply (session id, message id, delta, index).</summary>
    public event Action<string, string, string, int>? Token;
    /// <summary>A watched session's live state changed (session id, state).</summary>
    public event Action<string, string>? SessionState;
    /// <summary>An intervention in a watched session.</summary>
    public event Action<InterventionView>? Intervention;
    /// <summary>The people watching a watched session changed (session id, the whole list: replace, do not merge).</summary>
    public event Action<string, IReadOnlyList<LiveOrleans.Live.SessionWatcher>>? Presence;
    /// <summary>The number of people watching a session in the subscription's scope changed (session id, count; 0 when the last one left).</summary>
    public event Action<string, int>? WatcherCount;
    /// <summary>The connection came back: subscribe and watch again.</summary>
    public event Action? Reconnected;

    /// <summary>Connects.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _hub.StartAsync(cancellationToken);

    /// <summary>Replaces the subscription; answers the snapshot. A refused filter (or a cap reached) throws <see cref="Microsoft.AspNetCore.SignalR.HubException"/> saying why.</summary>
    public Task<DashboardSnapshot> SubscribeAsync(LiveFilter? filter = null, CancellationToken cancellationToken = default)
        => _hub.InvokeAsync<DashboardSnapshot>("Subscribe", filter ?? LiveFilter.All, cancellationToken);

    /// <summary>Starts a session's message, token and state pushes; answers its detail (as <c>GET /api/v1/sessions/{id}</c>).</summary>
    public Task<JsonElement> WatchSessionAsync(string sessionId, CancellationToken cancellationToken = default)
        => _hub.InvokeAsync<JsonElement>("WatchSession", sessionId, cancellationToken);

    /// <summary>Stops a session's pushes.</summary>
    public Task UnwatchSessionAsync(string sessionId, CancellationToken cancellationToken = default)
        => _hub.InvokeAsync("UnwatchSession", sessionId, cancellationToken);

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

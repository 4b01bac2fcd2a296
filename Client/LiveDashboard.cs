using System.Text.Json;
using LiveOrleans.Live;
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
/// <param name="Screen">With ticks: the screen's name, which its frames carry.</param>
/// <param name="Seq">With ticks: the frame the snapshot is of.</param>
/// <param name="Window">With ticks: how many cards the screen shows.</param>
public sealed record DashboardSnapshot(SummaryView Summary, HourlyView Hourly, AgentsView Agents, MetricsView Metrics, DashboardSessions Sessions, IReadOnlyList<ActivityEntry> Activity,
    IReadOnlyDictionary<string, int>? WatcherCounts = null, string? Screen = null, long? Seq = null, int? Window = null);

/// <summary>
/// One <c>tick</c>: what changed on a screen since frame <paramref name="Base"/> (null parts did not change; docs/hubs.md).
/// </summary>
public sealed record DashboardTick(string Screen, long Seq, long Base, long Tick, DateTimeOffset At, int? Total,
    IReadOnlyList<SessionCard>? Upserted, IReadOnlyList<string>? Removed, SummaryView? Summary, HourlyView? Hourly, AgentsView? Agents,
    MetricsView? Metrics, IReadOnlyList<ActivityEntry>? Activity, IReadOnlyDictionary<string, int>? Watchers);

/// <summary>
/// A screen kept current by ticks (<see cref="LiveDashboard.SubscribeScreenAsync"/>): the first cards of the filter in
/// list order, its exact total, figures, the newest activity and watcher counts.
/// </summary>
public sealed class DashboardScreen
{
    private readonly Dictionary<string, SessionCard> _cards;
    private readonly Dictionary<string, int> _watchers;
    private readonly List<ActivityEntry> _activity;

    internal DashboardScreen(DashboardSnapshot snapshot)
    {
        Id = snapshot.Screen ?? throw new InvalidOperationException("The snapshot is not of a screen (no ticks).");
        Seq = snapshot.Seq ?? 0;
        Window = snapshot.Window ?? snapshot.Sessions.Items.Count;
        Total = snapshot.Sessions.Total;
        _cards = snapshot.Sessions.Items.ToDictionary(c => c.SessionId, StringComparer.Ordinal);
        _watchers = new Dictionary<string, int>(snapshot.WatcherCounts ?? new Dictionary<string, int>(), StringComparer.Ordinal);
        _activity = [.. snapshot.Activity];
        Summary = snapshot.Summary;
        Hourly = snapshot.Hourly;
        Agents = snapshot.Agents;
        Metrics = snapshot.Metrics;
    }

    /// <summary>The screen's name (frames of another are not applied).</summary>
    public string Id { get; }
    /// <summary>The last frame applied.</summary>
    public long Seq { get; private set; }
    /// <summary>How many cards the screen shows.</summary>
    public int Window { get; }
    /// <summary>How many sessions the filter selects (all of them, not only those on the screen).</summary>
    public int Total { get; private set; }
    /// <summary>Today's summary.</summary>
    public SummaryView Summary { get; private set; }
    /// <summary>The hourly chart.</summary>
    public HourlyView Hourly { get; private set; }
    /// <summary>The agents panel.</summary>
    public AgentsView Agents { get; private set; }
    /// <summary>The metrics bar.</summary>
    public MetricsView Metrics { get; private set; }

    /// <summary>The cards on the screen, most recent activity first.</summary>
    public IReadOnlyList<SessionCard> Cards
        => [.. _cards.Values.OrderByDescending(c => c.LastActivityAt).ThenBy(c => c.SessionId, StringComparer.Ordinal)];

    /// <summary>How many people watch a card on the screen (0: nobody).</summary>
    public int WatcherCount(string sessionId) => _watchers.GetValueOrDefault(sessionId);

    /// <summary>Activity entries received, oldest first.</summary>
    public IReadOnlyList<ActivityEntry> Activity => _activity;

    /// <summary>Applies a frame on top of the one held: false when it is not (something was missed: subscribe again).</summary>
    public bool Apply(DashboardTick tick)
    {
        if (tick.Screen != Id || tick.Seq <= Seq) return true;
        if (tick.Base != Seq) return false;
        Seq = tick.Seq;
        Total = tick.Total ?? Total;
        foreach (var id in tick.Removed ?? []) _cards.Remove(id);
        foreach (var card in tick.Upserted ?? []) _cards[card.SessionId] = card;
        foreach (var (id, n) in tick.Watchers ?? new Dictionary<string, int>())
        {
            if (n > 0) _watchers[id] = n;
            else _watchers.Remove(id);
        }
        Summary = tick.Summary ?? Summary;
        Hourly = tick.Hourly ?? Hourly;
        Agents = tick.Agents ?? Agents;
        Metrics = tick.Metrics ?? Metrics;
        foreach (var entry in tick.Activity ?? [])
        {
            if (!_activity.Any(a => a.Id == entry.Id)) _activity.Add(entry);
        }
        if (_activity.Count > 200) _activity.RemoveRange(0, _activity.Count - 200);
        return true;
    }
}

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
    public LiveDashboard(Uri baseAddress, string accessToken) : this(baseAddress, accessToken, LiveHubProtocol.Json)
    {
    }

    /// <param name="baseAddress">The engine's address.</param>
    /// <param name="accessToken">A person's access token (<see cref="LiveOrleansReader.SignInAsync"/>).</param>
    /// <param name="protocol">JSON (the default) or MessagePack: the same pushes and answers (see <see cref="LiveHubProtocol"/>).</param>
    public LiveDashboard(Uri baseAddress, string accessToken, LiveHubProtocol protocol)
    {
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken))
            .With(protocol, o => LiveJson.Configure(o))
            .WithAutomaticReconnect()
            .Build();
        _hub.On<SummaryView>(nameof(ILiveClient.summary), v => Summary?.Invoke(v));
        _hub.On<HourlyView>(nameof(ILiveClient.hourly), v => Hourly?.Invoke(v));
        _hub.On<AgentsView>(nameof(ILiveClient.agents), v => Agents?.Invoke(v));
        _hub.On<MetricsView>(nameof(ILiveClient.metrics), v => Metrics?.Invoke(v));
        _hub.On<SessionCard>(nameof(ILiveClient.sessionUpserted), v => SessionUpserted?.Invoke(v));
        _hub.On<string>(nameof(ILiveClient.sessionRemoved), v => SessionRemoved?.Invoke(v));
        _hub.On<ActivityEntry>(nameof(ILiveClient.activity), v => Activity?.Invoke(v));
        _hub.On<AlertView>(nameof(ILiveClient.alert), v => Alert?.Invoke(v));
        _hub.On<string, MessageView>(nameof(ILiveClient.message), (s, m) => Message?.Invoke(s, m));
        _hub.On<string, string, string, int>(nameof(ILiveClient.token), (s, m, d, i) => Token?.Invoke(s, m, d, i));
        _hub.On<string, string>(nameof(ILiveClient.sessionState), (s, state) => SessionState?.Invoke(s, state));
        _hub.On<InterventionView>(nameof(ILiveClient.intervention), v => Intervention?.Invoke(v));
        _hub.On<string, IReadOnlyList<SessionWatcher>>(nameof(ILiveClient.presence), (s, w) => Presence?.Invoke(s, w));
        _hub.On<string, int>(nameof(ILiveClient.watcherCount), (s, n) => WatcherCount?.Invoke(s, n));
        _hub.On<DashboardTick>(nameof(ILiveClient.tick), OnTick);
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
    public event Action<string, IReadOnlyList<SessionWatcher>>? Presence;
    /// <summary>The number of people watching a session in the subscription's scope changed (session id, count; 0 when the last one left).</summary>
    public event Action<string, int>? WatcherCount;
    /// <summary>A frame of the screen arrived (with <see cref="SubscribeScreenAsync"/>), after it was applied to <see cref="Screen"/>.</summary>
    public event Action<DashboardTick>? Tick;

    /// <summary>The screen of the subscription with ticks, kept current (null before <see cref="SubscribeScreenAsync"/>).</summary>
    public DashboardScreen? Screen { get; private set; }

    /// <summary>The connection came back: subscribe and watch again.</summary>
    public event Action? Reconnected;

    /// <summary>Connects.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _hub.StartAsync(cancellationToken);

    /// <summary>Replaces the subscription; answers the snapshot. A refused filter (or a cap reached) throws <see cref="Microsoft.AspNetCore.SignalR.HubException"/> saying why.</summary>
    public Task<DashboardSnapshot> SubscribeAsync(LiveFilter? filter = null, CancellationToken cancellationToken = default)
        => _hub.InvokeAsync<DashboardSnapshot>(LiveHubMethods.Subscribe, filter ?? LiveFilter.All, cancellationToken);

    /// <summary>
    /// Replaces the subscription with one with ticks: a screen of the filter's first <paramref name="window"/> cards
    /// (1 to 500), kept current in <see cref="Screen"/> by one frame per push tick (<see cref="Tick"/>). A frame that
    /// shows something was missed makes the dashboard subscribe again by itself.
    /// </summary>
    public async Task<DashboardScreen> SubscribeScreenAsync(LiveFilter? filter = null, int window = 100, CancellationToken cancellationToken = default)
    {
        _screenRequest = (filter ?? LiveFilter.All, window);
        Interlocked.Increment(ref _subscribing);
        try
        {
            var snapshot = await _hub.InvokeAsync<DashboardSnapshot>(LiveHubMethods.Subscribe, new { push = "ticks", window, filter = filter ?? LiveFilter.All }, cancellationToken);
            DashboardTick[] early;
            lock (_early)
            {
                Screen = new DashboardScreen(snapshot);
                early = [.. _early.Where(t => t.Screen == snapshot.Screen)];
                _early.Clear();
            }
            foreach (var tick in early) OnTick(tick);
            return Screen;
        }
        finally
        {
            Interlocked.Decrement(ref _subscribing);
        }
    }

    private (LiveFilter Filter, int Window)? _screenRequest;
    private int _subscribing;
    private readonly List<DashboardTick> _early = [];

    private void OnTick(DashboardTick tick)
    {
        bool applied;
        lock (_early)
        {
            if (Screen is null || tick.Screen != Screen.Id)
            {
                // The frame of a screen whose snapshot is still on its way (the next tick can overtake the answer).
                if (Volatile.Read(ref _subscribing) > 0) _early.Add(tick);
                return;
            }
            applied = Screen.Apply(tick);
        }
        if (applied) Tick?.Invoke(tick);
        else if (_screenRequest is { } request) _ = SubscribeScreenAsync(request.Filter, request.Window);
    }

    /// <summary>Starts a session's message, token and state pushes; answers its detail (as <c>GET /api/v1/sessions/{id}</c>).</summary>
    public Task<JsonElement> WatchSessionAsync(string sessionId, CancellationToken cancellationToken = default)
        => _hub.InvokeAsync<JsonElement>(LiveHubMethods.WatchSession, sessionId, cancellationToken);

    /// <summary>Stops a session's pushes.</summary>
    public Task UnwatchSessionAsync(string sessionId, CancellationToken cancellationToken = default)
        => _hub.InvokeAsync(LiveHubMethods.UnwatchSession, sessionId, cancellationToken);

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}

using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Grains;
using LiveOrleans.Live;
using LiveOrleans.Views;

namespace LiveOrleans.Api.Live;

/// <summary>
/// One tenant's dashboards on this host: its replica, subscription groups and watched sessions, changed only on the
/// view's own loop. Stream items, subscriptions, watches and ticks are queued to the loop; after each batch of
/// work the changes are evaluated against every group and pushed.
/// </summary>
public sealed partial class TenantView(
    string tenant, string node, StreamSubscriptions streams, IGrainFactory grains, LiveOptions options, PushOptions push, TimeProvider time, PersonNames names,
    ILogger<TenantView> logger)
    : IAsyncDisposable
{
    private const int SnapshotPage = 5_000;
    private readonly Channel<Func<Task>> _inbox = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TenantReplica _replica = new(tenant, options);
    private readonly ReplicaChanges _changes = new();
    private readonly Dictionary<string, SubscriptionGroup> _groups = new(StringComparer.Ordinal);
    // Subscriptions with ticks, by filter and window (their keys start with "ticks:", so a connection's key names one kind).
    private readonly Dictionary<string, ScreenGroup> _screens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<DashboardConnection>> _watchers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IAsyncDisposable> _watchListeners = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset At, string Id)> _graceEnds = [];
    // Who watches each session, on every node, as the presence grain last said (an empty list is kept for its version).
    private readonly Dictionary<string, PresenceChanged> _presence = new(StringComparer.Ordinal);
    private Lazy<Task>? _start;
    private IAsyncDisposable? _listening;
    private Task _loop = Task.CompletedTask;
    private DateTimeOffset _lastRefresh;
    private long _idleSince = Stopwatch.GetTimestamp();
    private volatile bool _disposed;

    public string Tenant { get; } = tenant;

    /// <summary>How long the view has had neither subscription nor watch.</summary>
    public TimeSpan IdleFor => _groups.Count == 0 && _screens.Count == 0 && _watchers.Count == 0 ? Stopwatch.GetElapsedTime(Interlocked.Read(ref _idleSince)) : TimeSpan.Zero;

    /// <summary>Listens to the tenant's stream, then takes a snapshot of every source; items that came meanwhile are applied after it.</summary>
    public Task StartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.CompareExchange(ref _start, new Lazy<Task>(StartOnceAsync), null);
        return _start.Value;
    }

    private async Task StartOnceAsync()
    {
        _loop = Task.Run(LoopAsync);
        _listening = await streams.ListenAsync(Tenant, item => _inbox.Writer.TryWrite(() => ApplyAsync(item)));
        // The sources publish only while someone listens: asked before their snapshots, so nothing after them is missed.
        await RunAsync(() => ListenToSourcesAsync(_replica.Today(time.GetUtcNow())));
        await RunAsync(LoadAllAsync);
        await RunAsync(RenewPresenceAsync);
    }

    private static readonly TimeSpan SourceLease = TimeSpan.FromMinutes(1);

    /// <summary>Asks the tenant's derived grains to publish their changes (a lease, renewed with the watch leases); answers each one's version.</summary>
    private async Task<(ReplicaSource Source, int Shard, long Version)[]> ListenToSourcesAsync(string day)
    {
        var shards = Enumerable.Range(0, options.IndexShards).Select(s =>
            Tagged(ReplicaSource.Shard, s, grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(Tenant, s.ToString(System.Globalization.CultureInfo.InvariantCulture))).Listen(SourceLease)));
        return await Task.WhenAll(shards
            .Append(Tagged(ReplicaSource.Day, 0, grains.GetGrain<ITenantDayGrain>(LiveKeys.Of(Tenant, day)).Listen(SourceLease)))
            .Append(Tagged(ReplicaSource.Directory, 0, grains.GetGrain<ITenantGrain>(Tenant).Listen(SourceLease))));

        static async Task<(ReplicaSource, int, long)> Tagged(ReplicaSource source, int shard, Task<long> version) => (source, shard, await version);
    }

    // What each source said at the last renewal: a replica still below that a renewal later missed a change for good.
    private (ReplicaSource Source, int Shard, long Version)[] _reported = [];
    private string? _reportedDay;

    /// <summary>
    /// Renews the sources' leases and takes a fresh snapshot of any source the replica is still behind a renewal (5 s)
    /// later: stream items carry changes within milliseconds, so that replica lost one (a silo died with it, or the
    /// snapshot a gap called for failed during a failover) and nothing else would bring it back while the source is quiet.
    /// </summary>
    private async Task RenewSourcesAsync()
    {
        var day = _replica.Day ?? _replica.Today(time.GetUtcNow());
        var reported = await ListenToSourcesAsync(day);
        foreach (var (source, shard, version) in _reported)
        {
            if (_replica.VersionOf(source, shard) >= version || (source == ReplicaSource.Day && _reportedDay != _replica.Day)) continue;
            Log.Resync(logger, Tenant, source.ToString(), shard);
            await LoadAsync(source, shard);
        }
        _reported = reported;
        _reportedDay = day;
    }

    private void Post(Func<Task> work)
    {
        ObjectDisposedException.ThrowIf(!_inbox.Writer.TryWrite(work), this);
    }

    /// <summary>Runs work on the loop and waits for it.</summary>
    private Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(async () =>
        {
            try
            {
                done.TrySetResult(await work());
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        });
        return done.Task;
    }

    private Task RunAsync(Func<Task> work) => RunAsync(async () => { await work(); return true; });

    private async Task LoopAsync()
    {
        var reader = _inbox.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var work))
            {
                try
                {
                    await work();
                }
                catch (Exception ex)
                {
                    Log.WorkFailed(logger, Tenant, ex);
                }
            }
            try
            {
                Flush();
            }
            catch (Exception ex)
            {
                Log.WorkFailed(logger, Tenant, ex);
            }
            // Each tenant's loop is one sequential chain, so one tenant's dashboards use at most one thread at a time; it
            // also goes to the back of the thread pool's queue between batches, so other tenants' loops take their turn.
            await Task.Yield();
        }
    }

    /// <summary>
    /// Replaces the connection's subscription and answers its snapshot. With a <paramref name="window"/> the connection
    /// gets ticks (one frame per push tick for its screen of that many cards) and joins its screen at the next tick;
    /// without, every change is its own push (the first form of the hub).
    /// </summary>
    public async Task<DashboardSnapshot> SubscribeAsync(DashboardConnection connection, LiveFilter filter, int? window = null)
    {
        // Joining a screen completes at its next tick, on this loop: it is awaited outside it.
        var joined = await RunAsync(() => Task.FromResult(Subscribe(connection, filter, window)));
        return await joined;
    }

    private Task<DashboardSnapshot> Subscribe(DashboardConnection connection, LiveFilter filter, int? window)
    {
        // A connection that closed while its Subscribe waited (for the view to start, say) has already left: joining a
        // group now would keep that group, with no member to release it, for the life of the view.
        if (connection.Closed) throw new Microsoft.AspNetCore.SignalR.HubException("The connection closed before its subscription was made.");
        var key = JsonSerializer.Serialize(filter, LiveJson.Options);
        if (window is { } size) key = $"ticks:{size}:{key}";
        var exists = _groups.ContainsKey(key) || _screens.ContainsKey(key);
        // A new filter takes a group of its own; the connection's current group goes if it was its only member.
        var freed = connection.GroupKey is { } current && current != key && MemberCount(current) == 1 ? 1 : 0;
        if (push.MaxFilterGroupsPerTenant > 0 && !exists && _groups.Count + _screens.Count - freed >= push.MaxFilterGroupsPerTenant)
        {
            throw new Microsoft.AspNetCore.SignalR.HubException(
                $"Your organisation's dashboards already use {push.MaxFilterGroupsPerTenant} different filters on this node (Push:MaxFilterGroupsPerTenant): "
                + "subscribe with a filter already in use (a saved view, say) or close a dashboard with another one. Your current subscription is unchanged.");
        }
        Leave(connection);
        var now = time.GetUtcNow();
        connection.GroupKey = key;
        if (window is { } n)
        {
            if (!_screens.TryGetValue(key, out var screen)) _screens[key] = screen = new ScreenGroup(filter, n, _replica, new FigureCache(_replica, now), now);
            return screen.Join(connection);
        }
        // The first cards from the replica's list order and their count from one walk: nothing sorted, only they named.
        var items = _replica.FirstVisible(filter, now, push.MaxCards);
        var snapshot = new DashboardSnapshot(_replica.Summary(filter, now), _replica.Hourly(filter, now), _replica.AgentsPanelView(filter, now),
            _replica.Metrics(filter, now), new SessionList(_replica.CountVisible(filter, now), items), _replica.Activity(filter, 20), WatcherCounts(items));
        if (!_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group = new SubscriptionGroup(filter, push.MaxCards);
            group.Remember(snapshot);
        }
        group.Members.Add(connection);
        return Task.FromResult(snapshot);
    }

    private int MemberCount(string key)
        => _groups.TryGetValue(key, out var group) ? group.Members.Count : _screens.TryGetValue(key, out var screen) ? screen.Members.Count + screen.Joining : 0;

    public Task LeaveAsync(DashboardConnection connection) => RunAsync(async () =>
    {
        Leave(connection);
        foreach (var session in connection.Watched.Keys.ToArray()) await StopWatchingAsync(connection, session);
    });

    /// <summary>Starts the connection's watch pushes and makes its person a watcher; answers the session's watchers (null when the connection closed).</summary>
    public Task<IReadOnlyList<SessionWatcher>?> WatchAsync(DashboardConnection connection, string sessionId) => RunAsync(async () =>
    {
        if (connection.Closed) return null; // as for Subscribe: a closed connection would keep the session's lease renewed
        if (!_watchers.TryGetValue(sessionId, out var watchers))
        {
            _watchListeners[sessionId] = await streams.ListenToSessionAsync(Tenant, sessionId, item => _inbox.Writer.TryWrite(() => Forward(item)));
            _watchers[sessionId] = watchers = [];
            await Lease(sessionId);
        }
        watchers.Add(connection);
        if (connection.Watched.TryAdd(sessionId, time.GetUtcNow()))
        {
            try
            {
                ApplyPresence(await Presence.Join(node, Watch(connection, sessionId), PresenceLease));
            }
            catch (Exception ex)
            {
                // The watch stands; the node's next renewal (5 s) reports it.
                Log.PresenceFailed(logger, Tenant, ex);
            }
        }
        return (IReadOnlyList<SessionWatcher>?)(_presence.GetValueOrDefault(sessionId)?.Watchers ?? []);
    });

    public Task UnwatchAsync(DashboardConnection connection, string sessionId) => RunAsync(() => StopWatchingAsync(connection, sessionId));

    /// <summary>Called every figure interval by the host: figures, time-dependent changes, watch leases.</summary>
    public void Tick(bool renewLeases)
    {
        if (_disposed || _start is not { IsValueCreated: true, Value.IsCompletedSuccessfully: true }) return;
        try
        {
            Post(async () =>
            {
                await TickAsync();
                if (renewLeases) await Task.WhenAll(_watchers.Keys.Select(Lease).Append(RenewSourcesAsync()).Append(RenewPresenceAsync()));
            });
        }
        catch (ObjectDisposedException) { }
    }

    private Task Lease(string sessionId) => grains.GetGrain<ISessionGrain>(LiveKeys.Of(Tenant, sessionId)).Watch(TimeSpan.FromMinutes(1));

    private async Task StopWatchingAsync(DashboardConnection connection, string sessionId)
    {
        if (connection.Watched.Remove(sessionId))
        {
            try
            {
                await Presence.Leave(node, connection.Id, sessionId);
            }
            catch (Exception ex)
            {
                // The node's next renewal (5 s) no longer reports the watch.
                Log.PresenceFailed(logger, Tenant, ex);
            }
        }
        if (!_watchers.TryGetValue(sessionId, out var watchers)) return;
        watchers.Remove(connection);
        if (watchers.Count > 0) return;
        _watchers.Remove(sessionId);
        if (_watchListeners.Remove(sessionId, out var listening)) await listening.DisposeAsync();
        NoteIdle();
    }

    private void Leave(DashboardConnection connection)
    {
        if (connection.GroupKey is not { } key) return;
        connection.GroupKey = null;
        if (_groups.TryGetValue(key, out var group))
        {
            group.Members.Remove(connection);
            if (group.Members.Count > 0) return;
            _groups.Remove(key);
        }
        else if (_screens.TryGetValue(key, out var screen))
        {
            screen.Leave(connection);
            if (!screen.IsEmpty) return;
            _screens.Remove(key);
        }
        NoteIdle();
    }

    private void NoteIdle()
    {
        if (_groups.Count == 0 && _screens.Count == 0 && _watchers.Count == 0) Interlocked.Exchange(ref _idleSince, Stopwatch.GetTimestamp());
    }

    private async Task ApplyAsync(TenantStreamItem item)
    {
        if (item is PresenceChanged presence)
        {
            ApplyPresence(presence);
            return;
        }
        var (source, shard) = _replica.Apply(item, _changes);
        if (source != ReplicaSource.None)
        {
            Log.Resync(logger, Tenant, source.ToString(), shard);
            await LoadAsync(source, shard);
        }
    }

    private async Task LoadAllAsync()
    {
        await LoadAsync(ReplicaSource.Directory, 0);
        for (var shard = 0; shard < options.IndexShards; shard++) await LoadAsync(ReplicaSource.Shard, shard);
    }

    /// <summary>A fresh snapshot of one source (the directory brings today's figures with it).</summary>
    private async Task LoadAsync(ReplicaSource source, int shard)
    {
        switch (source)
        {
            case ReplicaSource.Directory:
                _replica.LoadDirectory(await grains.GetGrain<ITenantGrain>(Tenant).GetDirectory());
                await LoadAsync(ReplicaSource.Day, 0);
                break;
            case ReplicaSource.Day:
                var day = _replica.Today(time.GetUtcNow());
                if (day != _replica.Day) await ListenToSourcesAsync(day);
                _replica.LoadDay(await grains.GetGrain<ITenantDayGrain>(LiveKeys.Of(Tenant, day)).GetSnapshot());
                _changes.Figures = true;
                break;
            case ReplicaSource.Shard:
                var index = grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(Tenant, shard.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                SessionListPosition? after = null;
                var first = true;
                do
                {
                    var page = await index.GetSnapshot(after, SnapshotPage);
                    _replica.LoadShard(page, first, _changes);
                    first = false;
                    after = page.NextAfter;
                }
                while (after is not null);
                break;
        }
    }

    private async Task Forward(WatchItem item)
    {
        if (!_watchers.ContainsKey(item.SessionId)) return;
        // An intervention names the person who made it: from this node's cache, else the store (awaited, on this loop).
        var intervention = item is InterventionAdded added ? await InterventionEntry.FromAsync(added.Entry, names) : null;
        if (!_watchers.TryGetValue(item.SessionId, out var watchers)) return;
        ConnectionQueue.Message[] messages = item switch
        {
            MessageAdded m => [new(nameof(ILiveClient.message), [m.SessionId, RawJson.Of(m.Message)])],
            // A batch's deltas come as one item: a token push each, in order.
            TokensArrived t => [.. t.Deltas.Select((delta, i) => new ConnectionQueue.Message(nameof(ILiveClient.token), [t.SessionId, t.MessageIds[i], delta, t.Indexes[i]]))],
            StateChanged s => [new(nameof(ILiveClient.sessionState), [s.SessionId, RawJson.Of(s.State)])],
            InterventionAdded => [new(nameof(ILiveClient.intervention), [RawJson.Of(intervention)])],
            _ => [],
        };
        if (messages.Length == 0) return;
        foreach (var connection in watchers.ToArray())
        {
            // Losing the right to see a session (an agent's conversation reassigned) ends its pushes at once.
            if (!MaySee(connection, item))
            {
                Post(() => StopWatchingAsync(connection, item.SessionId));
                continue;
            }
            foreach (var message in messages) connection.Queue.Enqueue(null, message);
        }
    }

    /// <summary>
    /// Whether the connection's person may still see the session, by its owner now as the replica knows it (a change of
    /// its entry that arrives with no watch item, a producer's assignment). A session the replica does not hold yet keeps
    /// the answer of the check made when the watch began.
    /// </summary>
    private bool MaySee(DashboardConnection connection, string sessionId)
        => connection.Visibility.Owners is null
            || _replica.Entries.GetValueOrDefault(sessionId) is not { } entry
            || LiveFilter.AllowsOptional(connection.Visibility.Owners, entry.Card.OwnerId);

    /// <summary>Whether the connection's person may see a watch item, by the owner the session named in it (the replica may not have the owner change yet).</summary>
    private static bool MaySee(DashboardConnection connection, WatchItem item)
        => connection.Visibility.Owners is null || LiveFilter.AllowsOptional(connection.Visibility.Owners, item.OwnerId);

    /// <summary>
    /// How long the presence grain keeps this node's watches without a renewal: the node renews every 5 s, so a node that
    /// died drops its watchers from every dashboard within this.
    /// </summary>
    public static readonly TimeSpan PresenceLease = TimeSpan.FromSeconds(15);

    private IPresenceGrain Presence => grains.GetGrain<IPresenceGrain>(Tenant);

    private static PresenceWatch Watch(DashboardConnection connection, string sessionId)
        => new(connection.Id, sessionId, connection.UserId, connection.Name, connection.Watched[sessionId]);

    /// <summary>
    /// Reports this node's watches to the presence grain (renewing its lease) and mends what a lost stream item left
    /// behind: the grain answers every session's watchers.
    /// </summary>
    private async Task RenewPresenceAsync()
    {
        PresenceSnapshot snapshot;
        try
        {
            var watches = _watchers.SelectMany(w => w.Value.Where(c => c.Watched.ContainsKey(w.Key)).Select(c => Watch(c, w.Key))).ToArray();
            snapshot = await Presence.Renew(node, watches, PresenceLease);
        }
        catch (Exception ex)
        {
            Log.PresenceFailed(logger, Tenant, ex);
            return;
        }
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var session in snapshot.Sessions)
        {
            listed.Add(session.SessionId);
            ApplyPresence(session);
        }
        foreach (var gone in _presence.Values.Where(p => !listed.Contains(p.SessionId) && p.Watchers.Count > 0).ToArray())
            ApplyPresence(new PresenceChanged(gone.SessionId, snapshot.Version, []));
    }

    /// <summary>
    /// Takes a session's watchers when newer than the view's and pushes them: the list to the connections watching the
    /// session, the count to the subscriptions whose filter (with the person's visibility) holds the session.
    /// </summary>
    private void ApplyPresence(PresenceChanged presence)
    {
        if (_presence.TryGetValue(presence.SessionId, out var known) && known.Version >= presence.Version) return;
        _presence[presence.SessionId] = presence;
        if (known is null && presence.Watchers.Count == 0) return;
        if (_watchers.TryGetValue(presence.SessionId, out var watchers))
        {
            var list = new ConnectionQueue.Message(nameof(ILiveClient.presence), [presence.SessionId, RawJson.Of(presence.Watchers)]);
            foreach (var connection in watchers)
            {
                if (MaySee(connection, presence.SessionId)) connection.Queue.Enqueue("presence:" + presence.SessionId, list);
            }
        }
        if ((known?.Watchers.Count ?? 0) == presence.Watchers.Count) return;
        foreach (var group in _groups.Values)
        {
            if (_replica.InScope(presence.SessionId, group.Filter))
                group.Send("watchers:" + presence.SessionId, nameof(ILiveClient.watcherCount), presence.SessionId, presence.Watchers.Count);
        }
        foreach (var screen in _screens.Values) screen.WatcherChanged(presence.SessionId);
    }

    /// <summary>The watcher counts of the cards of a snapshot (those with at least one watcher).</summary>
    private Dictionary<string, int> WatcherCounts(IEnumerable<SessionCard> cards)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var card in cards)
        {
            if (_presence.GetValueOrDefault(card.SessionId) is { Watchers.Count: > 0 } p) counts[card.SessionId] = p.Watchers.Count;
        }
        return counts;
    }

    private async Task TickAsync()
    {
        var now = time.GetUtcNow();
        while (_graceEnds.Count > 0 && _graceEnds.Min.At <= now)
        {
            _changes.Sessions.Add(_graceEnds.Min.Id);
            _graceEnds.Remove(_graceEnds.Min);
        }
        var refresh = now - _lastRefresh >= push.RefreshInterval;
        if (refresh)
        {
            _lastRefresh = now;
            if (_replica.Today(now) != _replica.Day) await LoadAsync(ReplicaSource.Day, 0);
        }
        Flush();
        var figures = new FigureCache(_replica, now);
        // Every filter whose figures go out this tick, its metrics bar from one walk of the replica for all of them.
        bool GroupDue(SubscriptionGroup group) => refresh || (group.FiguresDirty && now - group.FiguresSentAt >= push.FigureInterval);
        bool ScreenDue(ScreenGroup screen) => refresh || (screen.FiguresDirty && now - screen.FiguresSentAt >= push.FigureInterval);
        figures.PrepareMetrics(_groups.Values.Where(GroupDue).Select(g => g.Filter).Concat(_screens.Values.Where(ScreenDue).Select(s => s.Filter)));
        foreach (var group in _groups.Values)
        {
            if (!GroupDue(group)) continue;
            group.PushFigures(figures, now);
            if (refresh && group.DependsOnTime) group.PushAllCards(_replica.FirstVisible(group.Filter, now, push.MaxCards), id => _replica.IsVisible(id, group.Filter, now));
        }
        var tick = now.ToUnixTimeMilliseconds() / (long)Math.Max(1, push.Tick.TotalMilliseconds);
        foreach (var screen in _screens.Values)
        {
            if (ScreenDue(screen)) screen.Figures(figures, now);
            if (refresh && screen.DependsOnTime) screen.Rebuild(now);
            screen.SendTick(tick, now, WatcherCount, filter => _replica.Activity(filter, 20));
        }
    }

    private int WatcherCount(string sessionId) => _presence.GetValueOrDefault(sessionId)?.Watchers.Count ?? 0;

    /// <summary>Evaluates what changed against every group and queues the pushes.</summary>
    private void Flush()
    {
        if (_changes.IsEmpty) return;
        var now = time.GetUtcNow();
        foreach (var id in _changes.Sessions)
        {
            if (_replica.Entries.GetValueOrDefault(id) is { } entry && SessionRules.ListedUntil(entry.Card, options.EndedGracePeriod) is { } until) _graceEnds.Add((until, id));
            if (_watchers.TryGetValue(id, out var watchers))
            {
                foreach (var connection in watchers.Where(c => !MaySee(c, id)).ToArray()) Post(() => StopWatchingAsync(connection, id));
            }
        }
        // Each changed card named, and each alert serialised, once for every group and screen; each asks only whether
        // its filter selects the card now.
        var cards = _changes.Sessions.Select(id => (Id: id, Card: _replica.NamedCard(id))).ToList();
        var alerts = _changes.Alerts.Select(a => (Alert: a, Json: RawJson.Of(a))).ToList();
        SessionCard? VisibleTo(string id, SessionCard? card, LiveFilter filter) => card is not null && _replica.IsVisible(id, filter, now) ? card : null;
        if (_groups.Count > 0)
        {
            var activity = _changes.Activity.Select(e => (Entry: e, Json: RawJson.Of(e))).ToList();
            foreach (var group in _groups.Values)
            {
                foreach (var (id, card) in cards) group.PushCard(id, VisibleTo(id, card, group.Filter));
                foreach (var (entry, json) in activity)
                {
                    if (_replica.InScope(entry.SessionId, group.Filter)) group.Send(null, nameof(ILiveClient.activity), json);
                }
                foreach (var (alert, json) in alerts)
                {
                    if (_replica.InScope(alert.SessionId, group.Filter)) group.Send(null, nameof(ILiveClient.alert), json);
                }
                if (_changes.Figures) group.FiguresDirty = true;
            }
        }
        if (_screens.Count > 0)
        {
            foreach (var screen in _screens.Values)
            {
                foreach (var (id, card) in cards) screen.Changed(id, VisibleTo(id, card, screen.Filter), now);
                screen.Settle(now);
                foreach (var entry in _changes.Activity)
                {
                    if (_replica.InScope(entry.SessionId, screen.Filter)) screen.Activity(entry);
                }
                foreach (var (alert, json) in alerts)
                {
                    if (_replica.InScope(alert.SessionId, screen.Filter)) screen.SendNow(nameof(ILiveClient.alert), json);
                }
                if (_changes.Figures) screen.FiguresDirty = true;
            }
        }
        _changes.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _inbox.Writer.TryComplete();
        await _loop;
        foreach (var screen in _screens.Values) screen.Abandon();
        if (_listening is not null) await _listening.DisposeAsync();
        foreach (var listening in _watchListeners.Values) await listening.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Dashboards of tenant {Tenant}: a step failed; the next one goes on.")]
        public static partial void WorkFailed(ILogger logger, string tenant, Exception ex);

        [LoggerMessage(3, LogLevel.Warning, "Dashboards of tenant {Tenant}: the presence grain could not be reached; the next renewal tries again.")]
        public static partial void PresenceFailed(ILogger logger, string tenant, Exception ex);

        [LoggerMessage(2, LogLevel.Information, "Dashboards of tenant {Tenant}: an item of {Source} {Shard} was missed; taking a fresh snapshot of it.")]
        public static partial void Resync(ILogger logger, string tenant, string source, int shard);
    }
}

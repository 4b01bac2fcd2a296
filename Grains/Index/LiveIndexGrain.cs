using LiveOrleans.Views;
using LiveOrleans.Views.Index;
using LiveOrleans.Grains.Derived;
using LiveOrleans.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Streams;

namespace LiveOrleans.Grains.Index;

/// <summary>A live-index shard's snapshot besides its rows (entries, activity): the covered log position and its stream version.</summary>
[GenerateSerializer]
public sealed class IndexState : IDerivedState, IPublishedState
{
    [Id(0)] public long CoveredPosition { get; set; }
    [Id(1)] public bool Clean { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public RecoveryProgress? Recovery { get; set; }
}

/// <summary>
/// A shard of a tenant's live index: the entry of each live or recently ended session (a row each), indexed by
/// <see cref="LiveIndex"/> so live queries cost by their page and filter, and the activity log. Live queries and dashboards read it, so no query visits a session grain. It
/// publishes what changed on the tenant stream, evicts ended sessions once the metrics window no longer sees them,
/// and raises the "waiting" alert.
/// </summary>
[TenantPlacement]
public sealed partial class LiveIndexGrain(
    [PersistentState("index", LiveStorage.Name)] IPersistentState<IndexState> stored,
    IEventLog log,
    IRowStore rows,
    Serializer serializer,
    IOptions<LiveOptions> options,
    [FromKeyedServices(LiveTime.Key)] TimeProvider time,
    TimeProvider leaseClock,
    HeapCompaction compaction,
    ILogger<LiveIndexGrain> logger) : DerivedGrain<IndexState>(stored, log, options.Value, leaseClock, logger), ILiveIndexGrain
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ThresholdRefresh = TimeSpan.FromSeconds(5);
    private const int MaxEndsPerCheck = 1_000;
    public const string IdleTimeoutReason = "idle_timeout";
    private TimeSpan? _threshold;
    private DateTimeOffset _thresholdAskedAt;
    private DateTimeOffset _inactivityCheckedAt;
    private int _reportedLive;

    // Sessions whose idle end is on its way to the log (not asked for again meanwhile).
    private readonly HashSet<string> _ending = new(StringComparer.Ordinal);

    private LiveIndex _index = new(options.Value.EndedGracePeriod);

    // A shard loaded with this many entries answers before its keyword grams are built (most of the build): they are
    // built on the thread pool meanwhile and adopted at a tick; keyword filters check every candidate until then.
    private const int KeywordsLaterFrom = 50_000;
    private Task<KeywordGrams>? _keywords;
    private long _loadedAt;

    // The load holds the heap's compaction back from its first read until its keyword grams are in (their build makes
    // garbage too), or until the activation fails.
    private HeapCompaction.Load? _loadHold;

    // Agent, team, owner and channel ids: one instance each, not one per entry.
    private readonly StringPool _ids = new();
    private SortedSet<(DateTimeOffset At, string Id)> _ended = new(ByTimeThenId);
    private SortedSet<(DateTimeOffset Since, string Id)> _waiting = new(ByTimeThenId);

    // Ids compared ordinally: the tuples' default compares strings by culture, many times slower (a load sorts a million).
    private static readonly IComparer<(DateTimeOffset, string)> ByTimeThenId = Comparer<(DateTimeOffset, string)>.Create(static (a, b) =>
    {
        var byTime = a.Item1.UtcTicks.CompareTo(b.Item1.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Item2, b.Item2);
    });
    private readonly Dictionary<string, ActivityEntry> _activity = new(StringComparer.Ordinal);

    // The waiting alert fires once per session and wait: the start of the wait each session was alerted for.
    private readonly Dictionary<string, DateTimeOffset> _alertedWaits = new(StringComparer.Ordinal);
    private RowChanges<SessionEntry> _rows = null!;
    private RowChanges<ActivityEntry> _activityRows = null!;
    private int _shard;

    protected override async Task OnLoadedAsync()
    {
        _shard = int.Parse(Id, System.Globalization.CultureInfo.InvariantCulture);
        _rows = new RowChanges<SessionEntry>(rows, serializer, this.GetPrimaryKeyString(), new EntryRowCodec());
        _activityRows = new RowChanges<ActivityEntry>(rows, serializer, this.GetPrimaryKeyString() + "/activity");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _loadHold = compaction.Loading();
        // Both claimed at once: a claim is a write, queued behind others, so the activity's waits while the entries load.
        var activity = _activityRows.LoadAsync();
        var entries = await _rows.LoadAsync(entry => Settle(entry, _ids));
        var loaded = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        _loadHold.Read(entries.Count);
        Load(entries);
        if (!_index.KeywordsPending) ReleaseLoad();
        foreach (var (id, entry) in await activity) _activity[id] = entry;
        Log.Loaded(logger, this.GetPrimaryKeyString(), entries.Count, loaded.TotalMilliseconds, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        ReportLive();
        this.RegisterGrainTimer(TickAsync, TickInterval, TickInterval);
    }

    protected override async Task RecoverAsync(IReadOnlyList<string> changedStreams)
    {
        var facts = await SessionFactsAsync(changedStreams, s => LiveKeys.ShardOf(s, Options.IndexShards) == _shard);
        await Apply(new IndexUpdate([.. facts.Select(f => f.Entry)], [.. facts.SelectMany(f => f.Activity)], [], []));
    }

    protected override async Task FlushAsync()
    {
        await _rows.FlushAsync(_index.Get);
        await _activityRows.FlushAsync(key => _activity.GetValueOrDefault(key));
    }

    public async Task Apply(IndexUpdate update)
    {
        var changed = new List<SessionEntry>(update.Entries.Count);
        foreach (var entry in update.Entries)
        {
            if (!entry.Supersedes(_index.Get(entry.SessionId))) continue;
            Put(entry);
            _rows.Changed(entry.SessionId);
            changed.Add(entry);
        }
        var activity = new List<ActivityEntry>(update.Activity.Count);
        foreach (var entry in update.Activity)
        {
            if (!_activity.TryAdd(entry.Id, entry)) continue;
            activity.Add(entry);
            _activityRows.Changed(entry.Id);
        }
        // Trimmed in chunks: the oldest beyond the bound go, by id order (time, then log position).
        var max = Options.MaxActivityEntries;
        if (_activity.Count > max + max / 4)
        {
            foreach (var old in _activity.Keys.Order(StringComparer.Ordinal).Take(_activity.Count - max).ToArray())
            {
                _activity.Remove(old);
                _activityRows.Removed(old);
            }
        }
        if (changed.Count > 0 || activity.Count > 0)
        {
            Changed();
            await PublishAsync(version => new SessionsChanged(_shard, version, changed, [], activity, update.Lifecycle));
        }
        ReportLive();
        if (Listened)
        {
            foreach (var alert in update.Alerts) await TenantStream.OnNextAsync(new AlertRaised(alert));
        }
    }

    public Task<SessionPagePart> Page(LiveFilter filter, int limit, SessionListPosition? after)
    {
        var page = _index.Page(filter, limit, after, time.GetUtcNow());
        return Task.FromResult(new SessionPagePart(page.Total, page.More, page.Items));
    }

    public Task<MetricsPart> Metrics(LiveFilter filter) => Task.FromResult(_index.Metrics(filter, time.GetUtcNow()));

    public Task<IReadOnlyDictionary<string, int>> LiveSessionsByAgent()
        => Task.FromResult<IReadOnlyDictionary<string, int>>(_index.LiveSessionsByAgent());

    public Task<int> LiveSessions() => Task.FromResult(_index.LiveCount);

    /// <summary>The live-sessions gauge moves by what changed since it was last told (once per step, not per entry).</summary>
    private void ReportLive()
    {
        var live = _index.LiveCount;
        if (live == _reportedLive) return;
        LiveTelemetry.LiveSessions.Add(live - _reportedLive);
        _reportedLive = live;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.OnActivateAsync(cancellationToken);
        }
        catch
        {
            ReleaseLoad(); // a failed activation is never deactivated: its load would hold the compaction back for good
            throw;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await base.OnDeactivateAsync(reason, cancellationToken);
        ReleaseLoad();
        LiveTelemetry.LiveSessions.Add(-_reportedLive); // this silo holds them no more
        _reportedLive = 0;
    }

    public Task<IReadOnlyList<ActivityEntry>> Activity(LiveFilter visibility, int limit, string? before)
    {
        var cursor = ActivityIds.TryParse(before, out _) ? before : null;
        var page = _activity.Values
            .Where(e => cursor is null || ActivityIds.IsOlder(e.Id, cursor))
            .Where(e => visibility.Owners is not { Count: > 0 }
                || (e.SessionId is not null && _index.Get(e.SessionId) is { } s && LiveFilter.AllowsOptional(visibility.Owners, s.Card.OwnerId)))
            .Order(Comparer<ActivityEntry>.Create(ActivityIds.Compare))
            .Take(limit)
            .ToArray();
        return Task.FromResult<IReadOnlyList<ActivityEntry>>(page);
    }

    public Task<IndexSnapshotPage> GetSnapshot(SessionListPosition? after, int max)
    {
        var entries = new List<SessionEntry>(Math.Min(max, _index.Count));
        SessionListPosition? next = null;
        foreach (var entry in _index.InListOrder(after))
        {
            if (entries.Count == max)
            {
                next = new SessionListPosition(entries[^1].Card.LastActivityAt, entries[^1].SessionId);
                break;
            }
            entries.Add(entry);
        }
        return Task.FromResult(new IndexSnapshotPage(_shard, State.Version, entries, after is null ? [.. _activity.Values] : [], next));
    }

    private void BuildKeywords()
    {
        var index = _index;
        _keywords = Task.Run(index.BuildKeywords); // reads the loaded entries only, never the index the grain changes
    }

    /// <summary>Takes the keyword grams once they are built (again, should building them have failed).</summary>
    private void AdoptKeywords()
    {
        if (_keywords is not { IsCompleted: true } built) return;
        _keywords = null;
        if (!built.IsCompletedSuccessfully)
        {
            Log.KeywordsFailed(logger, this.GetPrimaryKeyString(), built.Exception);
            BuildKeywords();
            return;
        }
        _index.AdoptKeywords(built.Result);
        Log.KeywordsAdopted(logger, this.GetPrimaryKeyString(), System.Diagnostics.Stopwatch.GetElapsedTime(_loadedAt).TotalMilliseconds);
        ReleaseLoad();
    }

    private void ReleaseLoad()
    {
        _loadHold?.Dispose();
        _loadHold = null;
    }

    /// <summary>
    /// An entry as the shard keeps it: its repeated ids the pool's instances, the preview the newest searched text's own
    /// string when they are equal (the usual case), and its lists arrays (empty ones shared). Deserialized entries bring
    /// their own copy of each; a million entries kept that way took ~300 bytes each more.
    /// </summary>
    internal static SessionEntry Settle(SessionEntry entry, StringPool ids)
    {
        var card = entry.Card;
        var texts = entry.SearchTexts as string[] ?? [.. entry.SearchTexts];
        var preview = texts.Length > 0 && string.Equals(texts[^1], card.Preview, StringComparison.Ordinal) ? texts[^1] : card.Preview;
        return entry with
        {
            Card = card with
            {
                AgentId = ids.Share(card.AgentId),
                Channel = ids.Share(card.Channel),
                TeamId = ids.Share(card.TeamId),
                OwnerId = ids.Share(card.OwnerId),
                Preview = preview,
            },
            SearchTexts = texts,
            Replies = entry.Replies.Count == 0 ? [] : entry.Replies as ReplySample[] ?? [.. entry.Replies],
            Interventions = entry.Interventions.Count == 0 ? [] : entry.Interventions as DateTimeOffset[] ?? [.. entry.Interventions],
        };
    }

    /// <summary>Every second: ended sessions the metrics window no longer sees leave; customers waiting past the threshold raise an alert.</summary>
    private async Task TickAsync()
    {
        AdoptKeywords();
        var now = time.GetUtcNow();
        var removed = new List<string>();
        while (_ended.Count > 0 && _ended.Min.At + Options.EndedRetention <= now)
        {
            var (_, id) = _ended.Min;
            Drop(_index.Get(id)!);
            _alertedWaits.Remove(id);
            _rows.Removed(id);
            removed.Add(id);
        }
        if (removed.Count > 0)
        {
            Changed();
            await PublishAsync(version => new SessionsChanged(_shard, version, [], removed, [], []));
        }
        ReportLive();
        EndInactiveSessions(now);
        if (_waiting.Count == 0 || await WaitingThresholdAsync(now) is not { } threshold) return;
        while (_waiting.Count > 0 && _waiting.Min.Since + threshold <= now)
        {
            var (since, id) = _waiting.Min;
            _waiting.Remove(_waiting.Min);
            _alertedWaits[id] = since;
            if (!Listened) continue; // an alert is a notification: nobody listening, nobody to tell
            var entry = _index.Get(id)!;
            var user = entry.Card.User.Name ?? entry.Card.User.Id ?? "A customer";
            await TenantStream.OnNextAsync(new AlertRaised(new AlertView($"alert_wait_{id}_{since.UtcTicks}", now, "medium", "waiting", id,
                $"{user} has waited more than {threshold.TotalSeconds:0} s for a first response")));
        }
    }

    /// <summary>
    /// Live sessions with no event for <see cref="LiveOptions.InactiveSessionTimeout"/> are ended with reason
    /// <c>idle_timeout</c>, through the tenant's ingest like a producer's <c>session_ended</c>: logged, applied by the
    /// session, counted and shown in the activity log. The event's id is derived from the session and its last
    /// activity, so asking twice (a retry, a restart) stores it once. Checked at a tenth of the time-out (1–30 s),
    /// walking the list from its least recent end; the call is not awaited here, since it comes back to this grain.
    /// </summary>
    private void EndInactiveSessions(DateTimeOffset now)
    {
        var timeout = Options.InactiveSessionTimeout;
        var every = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 10, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));
        if (timeout <= TimeSpan.Zero || now - _inactivityCheckedAt < every) return;
        _inactivityCheckedAt = now;
        var due = new List<LiveEvent>();
        foreach (var entry in _index.FromLeastRecent())
        {
            var card = entry.Card;
            if (card.LastActivityAt + timeout > now || due.Count == MaxEndsPerCheck) break;
            if (card.EndedAt is not null || !_ending.Add(card.SessionId)) continue;
            due.Add(new SessionEnded
            {
                Id = $"~{IdleTimeoutReason}/{card.SessionId}/{card.LastActivityAt.UtcTicks}",
                SessionId = card.SessionId,
                Timestamp = card.LastActivityAt + timeout,
                Reason = IdleTimeoutReason,
            });
        }
        if (due.Count > 0) _ = EndAsync(due);
    }

    private async Task EndAsync(List<LiveEvent> ends)
    {
        try
        {
            await GrainFactory.GetGrain<IIngestGrain>(Tenant).Ingest(ends);
            Log.EndedInactive(logger, this.GetPrimaryKeyString(), ends.Count);
        }
        catch (Exception ex)
        {
            Log.EndFailed(logger, this.GetPrimaryKeyString(), ends.Count, ex); // the next check asks again
        }
        finally
        {
            foreach (var end in ends) _ending.Remove(end.SessionId!);
        }
    }

    /// <summary>
    /// The tenant's waiting-alert threshold, asked again at most every <see cref="ThresholdRefresh"/> of the engine's
    /// clock, which the waits are measured on (a change applies within that; a clock set back asks again at once);
    /// null while it could not be asked yet (its silo is going away, say): the next tick tries again.
    /// </summary>
    private async Task<TimeSpan?> WaitingThresholdAsync(DateTimeOffset now)
    {
        if (_threshold is null || (now - _thresholdAskedAt).Duration() >= ThresholdRefresh)
        {
            try
            {
                _threshold = TimeSpan.FromSeconds((await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetSettings()).WaitingAlertSeconds);
                _thresholdAskedAt = now;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                Log.SettingsUnavailable(logger, this.GetPrimaryKeyString(), ex);
            }
        }
        return _threshold;
    }

    /// <summary>
    /// Files the entries of the shard's rows (one per session) at once, as <see cref="Put"/> one by one would: the
    /// index built in bulk, the retention and waiting queues sorted once (nothing was alerted yet).
    /// </summary>
    private void Load(IReadOnlyList<(string Key, SessionEntry Value)> rows)
    {
        var entries = new SessionEntry[rows.Count];
        for (var i = 0; i < entries.Length; i++) entries[i] = rows[i].Value;
        _index = LiveIndex.Build(Options.EndedGracePeriod, entries, keywordsLater: entries.Length >= KeywordsLaterFrom);
        _loadedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_index.KeywordsPending) BuildKeywords();
        _ended = new SortedSet<(DateTimeOffset At, string Id)>(entries.Where(e => e.Card.EndedAt is not null).Select(e => (e.Card.EndedAt!.Value, e.SessionId)), ByTimeThenId);
        _waiting = new SortedSet<(DateTimeOffset Since, string Id)>(entries.Where(e => e.WaitingSince is not null && e.Card.EndedAt is null).Select(e => (e.WaitingSince!.Value, e.SessionId)), ByTimeThenId);
    }

    /// <summary>Files an entry, in place of its session's former one.</summary>
    private void Put(SessionEntry entry)
    {
        entry = Settle(entry, _ids);
        if (_index.Get(entry.SessionId) is { } old) Forget(old);
        _index.Upsert(entry);
        if (entry.Card.EndedAt is { } ended) _ended.Add((ended, entry.SessionId));
        if (entry.WaitingSince is { } since && entry.Card.EndedAt is null
            && !(_alertedWaits.TryGetValue(entry.SessionId, out var alerted) && alerted == since)) _waiting.Add((since, entry.SessionId));
    }

    private void Drop(SessionEntry entry)
    {
        Forget(entry);
        _index.Remove(entry.SessionId);
    }

    /// <summary>Takes an entry out of the retention and waiting queues.</summary>
    private void Forget(SessionEntry entry)
    {
        if (entry.Card.EndedAt is { } ended) _ended.Remove((ended, entry.SessionId));
        if (entry.WaitingSince is { } since) _waiting.Remove((since, entry.SessionId));
    }

    private static partial class Log
    {
        [LoggerMessage(11, LogLevel.Debug, "{Grain}: the tenant's settings could not be read; waiting alerts wait for the next tick.")]
        public static partial void SettingsUnavailable(ILogger logger, string grain, Exception ex);

        [LoggerMessage(12, LogLevel.Information, "{Grain}: {Count} sessions without an event for the inactivity time-out were ended (idle_timeout).")]
        public static partial void EndedInactive(ILogger logger, string grain, int count);

        [LoggerMessage(14, LogLevel.Information, "{Grain}: {Count} entries read and deserialized in {ReadMs:F0} ms, indexed by {TotalMs:F0} ms.")]
        public static partial void Loaded(ILogger logger, string grain, int count, double readMs, double totalMs);

        [LoggerMessage(15, LogLevel.Information, "{Grain}: keyword search indexed {Ms:F0} ms after the load (keyword filters checked every candidate until then).")]
        public static partial void KeywordsAdopted(ILogger logger, string grain, double ms);

        [LoggerMessage(16, LogLevel.Error, "{Grain}: indexing the keywords after the load failed; building them again (keyword filters check every candidate meanwhile).")]
        public static partial void KeywordsFailed(ILogger logger, string grain, Exception? ex);

        [LoggerMessage(13, LogLevel.Warning, "{Grain}: ending {Count} inactive sessions failed; the next check tries again.")]
        public static partial void EndFailed(ILogger logger, string grain, int count, Exception ex);
    }
}

using LiveOrleans.Grains.Storage;
using LiveOrleans.Live;
using Orleans.Streams;

namespace LiveOrleans.Grains.Derived;

/// <summary>What every derived grain's snapshot records besides its figures.</summary>
public interface IDerivedState
{
    /// <summary>A log position whose entries' facts this snapshot has all received (<see cref="IEventLog.StablePosition"/> when written).</summary>
    long CoveredPosition { get; set; }

    /// <summary>True when written by a deactivation: nothing can have reached this grain after it.</summary>
    bool Clean { get; set; }

    /// <summary>How far an interrupted recovery from <see cref="CoveredPosition"/> got (null when none is under way).</summary>
    RecoveryProgress? Recovery { get; set; }
}

/// <summary>
/// A recovery's progress, written after each batch of streams so a retried activation resumes rather than starting
/// over: the streams up to <paramref name="Through"/> (ordinal order) were asked for their facts, none of them before
/// log position <paramref name="AskedAfter"/> (so only those of them that moved after it need asking again), all of it
/// for a recovery from covered position <paramref name="From"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecoveryProgress([property: Id(0)] long From, [property: Id(1)] string Through, [property: Id(2)] long AskedAfter);

/// <summary>
/// A derived grain that publishes its changes to replicas as consecutive versions (a live-index shard, a tenant-day,
/// the tenant's directory).
/// </summary>
public interface IPublishedState
{
    /// <summary>The version of the last change published; its high 32 bits number the activation (see <see cref="NewEpoch"/>).</summary>
    long Version { get; set; }

    /// <summary>
    /// The first version of a new activation: above any version an earlier activation may have published. A silo can
    /// die after publishing changes its snapshot does not hold yet; its grain's next activation, elsewhere, must not
    /// publish the same version numbers again (replicas would take them for ones they already have, and stay behind).
    /// A new epoch makes the replicas see a jump, and take a fresh snapshot.
    /// </summary>
    static long NewEpoch(long version) => ((version >> 32) + 1) << 32;
}

/// <summary>
/// A grain whose state is derived from sessions' facts (tenant-day, live index, agent, tenant directory). Facts are
/// absolute and idempotent, so the state is written behind: on a timer when it changed, and on deactivation. After
/// an unclean end (a crash, a silo lost) the next activation asks the sessions whose log moved after the snapshot's
/// covered position for their facts again, so nothing they delivered is lost with the process that held it.
/// </summary>
/// <param name="leaseClock">
/// The process's clock (Orleans' own, not the engine's <see cref="LiveTime"/> clock): listeners' leases are renewed on
/// the Api hosts' timers, so a test that moves the engine's clock must not end them.
/// </param>
public abstract partial class DerivedGrain<TState>(IPersistentState<TState> stored, IEventLog log, LiveOptions options, TimeProvider leaseClock, ILogger logger)
    : Grain, IGrainMigrationParticipant where TState : class, IDerivedState, new()
{
    private const string ListenedKey = "live.listened-until";

    protected LiveOptions Options { get; } = options;

    protected IEventLog EventLog { get; } = log;

    protected TState State => stored.State;

    protected string Tenant { get; private set; } = "";

    /// <summary>The grain's id within its tenant (empty for the tenant grain).</summary>
    protected string Id { get; private set; } = "";

    private bool _dirty;
    private DateTimeOffset _listenedUntil;

    /// <summary>Whether an Api host listens to this grain's changes now (publishing costs a serialisation: nobody listening, nothing is published).</summary>
    protected bool Listened => _listenedUntil > leaseClock.GetUtcNow();

    /// <summary>Publishes changes for <paramref name="lease"/> (on the process's clock), and stays active meanwhile; answers the version last published.</summary>
    public Task<long> Listen(TimeSpan lease)
    {
        _listenedUntil = leaseClock.GetUtcNow() + lease;
        DelayDeactivation(lease);
        return Task.FromResult(State is IPublishedState published ? published.Version : 0);
    }

    /// <summary>
    /// A migration (a tenant moving to a silo that joined) carries the listeners' lease: the new activation publishes
    /// at once instead of waiting for the next renewal. Its snapshot is carried by Orleans with the persistent state.
    /// </summary>
    public void OnDehydrate(IDehydrationContext dehydrationContext) => dehydrationContext.TryAddValue(ListenedKey, _listenedUntil);

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue<DateTimeOffset>(ListenedKey, out var until)) _listenedUntil = until;
    }

    private IAsyncStream<TenantStreamItem>? _tenantStream;

    /// <summary>The tenant's stream, where replicas listen.</summary>
    protected IAsyncStream<TenantStreamItem> TenantStream
        => _tenantStream ??= this.GetStreamProvider(LiveStreams.Provider).GetStream<TenantStreamItem>(StreamId.Create(LiveStreams.Tenant, Tenant));

    /// <summary>
    /// Publishes a change as the next version (see <see cref="IPublishedState"/>), made by <paramref name="change"/> from
    /// it. The version moves even when nobody listens, and when publishing fails, which is logged and not thrown: the
    /// change is applied and marked for writing already, and a replica mends a missing version itself, at its next
    /// item or lease renewal (which answers the version last published), by taking a fresh snapshot.
    /// </summary>
    protected async Task PublishAsync(Func<long, TenantStreamItem> change)
    {
        var published = (IPublishedState)State;
        var version = ++published.Version;
        if (!Listened) return;
        try
        {
            await TenantStream.OnNextAsync(change(version));
        }
        catch (Exception ex)
        {
            Log.PublishFailed(logger, this.GetPrimaryKeyString(), version, ex);
        }
    }

    /// <summary>Marks the state as changed: the next timer writes it.</summary>
    protected void Changed() => _dirty = true;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (Tenant, Id) = LiveKeys.Parse(this.GetPrimaryKeyString());
        await OnLoadedAsync();
        if (stored.RecordExists && !State.Clean)
        {
            var count = await RecoverInBatchesAsync(cancellationToken);
            Log.Recovered(logger, this.GetPrimaryKeyString(), State.CoveredPosition, count);
        }
        // Written at once: from now on a crash must find this activation's snapshot unclean (or, for a new grain, find one
        // at all), and the next activation a higher epoch of versions than this one publishes.
        if (State is IPublishedState published) published.Version = IPublishedState.NewEpoch(published.Version);
        State.Clean = false;
        State.CoveredPosition = Math.Max(State.CoveredPosition, EventLog.StablePosition(Options.RecoveryMargin));
        await stored.WriteStateAsync(cancellationToken);
        this.RegisterGrainTimer(() => WriteAsync(clean: false), Options.SnapshotInterval, Options.SnapshotInterval);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
        => await WriteAsync(clean: true);

    /// <summary>
    /// Recovers the streams that moved after the covered position, a batch at a time, writing the progress after each
    /// (covered position unchanged, snapshot unclean): an activation that fails or is cancelled part way leaves the
    /// next one the rest, plus the streams already asked whose log moved since they were. Answers the streams recovered.
    /// </summary>
    private async Task<int> RecoverInBatchesAsync(CancellationToken cancellationToken)
    {
        var progress = State.Recovery is { } p && p.From == State.CoveredPosition ? p : null;
        var streams = (await EventLog.ChangedStreamsAsync(Tenant, State.CoveredPosition)).Where(s => progress is null || string.CompareOrdinal(s, progress.Through) > 0);
        if (progress is not null)
        {
            streams = streams.Concat((await EventLog.ChangedStreamsAsync(Tenant, progress.AskedAfter)).Where(s => string.CompareOrdinal(s, progress.Through) <= 0));
        }
        var ordered = streams.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        // Entries at or below it were committed a recovery margin ago (as a covered position's), so a session asked
        // after it has applied them; a stream that moved past it is asked again by a resumed recovery.
        var askedAfter = progress?.AskedAfter ?? EventLog.StablePosition(Options.RecoveryMargin);
        var done = 0;
        foreach (var batch in ordered.Chunk(Math.Max(1, Options.RecoveryBatch)))
        {
            await RecoverAsync(batch);
            done += batch.Length;
            if (done == ordered.Length) break; // the last batch: the activation writes the snapshot next
            // Past Orleans' activation time-out this activation has failed and a newer one may run: it writes nothing more.
            cancellationToken.ThrowIfCancellationRequested();
            State.Recovery = new RecoveryProgress(State.CoveredPosition, batch[^1], askedAfter);
            await FlushAsync();
            await stored.WriteStateAsync(cancellationToken);
        }
        State.Recovery = null;
        return ordered.Length;
    }

    /// <summary>Called before the state is written: save keyed rows that changed (see <see cref="RowChanges{T}"/>).</summary>
    protected virtual Task FlushAsync() => Task.CompletedTask;

    /// <summary>Called after the snapshot is loaded, before recovery: rebuild what is kept in memory only.</summary>
    protected virtual Task OnLoadedAsync() => Task.CompletedTask;

    /// <summary>Takes the facts of the streams whose log moved after the covered position.</summary>
    protected abstract Task RecoverAsync(IReadOnlyList<string> changedStreams);

    /// <summary>
    /// The current facts of the sessions among <paramref name="streams"/> that <paramref name="include"/> selects, their
    /// days in <paramref name="timeZone"/> (null when the caller does not use the days).
    /// </summary>
    protected async Task<IReadOnlyList<SessionChanges>> SessionFactsAsync(IReadOnlyList<string> streams, Func<string, bool>? include = null, string? timeZone = null)
    {
        var sessions = streams.Select(LiveKeys.SessionOfStream).OfType<string>().Where(s => include?.Invoke(s) ?? true).ToArray();
        var facts = await BoundedAsync(sessions, s => GrainFactory.GetGrain<ISessionGrain>(LiveKeys.Of(Tenant, s)).GetFacts(timeZone));
        return [.. facts.OfType<SessionChanges>()];
    }

    /// <summary>Calls made during recovery at most at once: each may activate a grain from the store.</summary>
    internal const int RecoveryConcurrency = 128;

    /// <summary>
    /// <paramref name="call"/> for every item, at most <see cref="RecoveryConcurrency"/> in flight, answers in the items'
    /// order. A recovery after a burst may concern a million sessions: asked all at once, their activations queued past
    /// the response time-out, failed, and the recovery failed with them.
    /// </summary>
    protected static async Task<T[]> BoundedAsync<TItem, T>(IReadOnlyList<TItem> items, Func<TItem, Task<T>> call)
    {
        var results = new T[items.Count];
        var next = 0;
        // Workers take the next item when their call ends; they run on the grain's scheduler, one at a time, so the counter needs no lock.
        async Task WorkAsync()
        {
            while (next < items.Count)
            {
                var index = next++;
                results[index] = await call(items[index]);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(items.Count, RecoveryConcurrency)).Select(_ => WorkAsync()));
        return results;
    }

    /// <summary>Writes the state now (settings that must not wait for the timer).</summary>
    protected Task WriteNowAsync()
    {
        _dirty = true;
        return WriteAsync(clean: false);
    }

    private async Task WriteAsync(bool clean)
    {
        if (!_dirty && !clean) return;
        var covered = State.CoveredPosition;
        State.CoveredPosition = Math.Max(covered, EventLog.StablePosition(Options.RecoveryMargin));
        State.Clean = clean;
        _dirty = false;
        if (await Snapshots.TryWriteAsync(this, async () => { await FlushAsync(); await stored.WriteStateAsync(); }, logger)) return;
        _dirty = true;
        State.CoveredPosition = covered;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Grain} did not end cleanly: recovered from the log after position {Position} ({Streams} streams changed).")]
        public static partial void Recovered(ILogger logger, string grain, long position, int streams);

        [LoggerMessage(2, LogLevel.Warning, "{Grain}: publishing version {Version} failed; replicas will take a fresh snapshot.")]
        public static partial void PublishFailed(ILogger logger, string grain, long version, Exception ex);
    }
}

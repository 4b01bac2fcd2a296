using Microsoft.Extensions.Logging;

namespace LiveOrleans.Runtime;

/// <summary>
/// Hosts the partitions of one process: recovers them from their checkpoints and the log's tail, appends
/// entries durably (group commit) and applies them in log order, runs queries as turns, fires timers and
/// writes checkpoints.
/// </summary>
public sealed partial class Silo : IAsyncDisposable
{
    private readonly IEventLogStore _log;
    private readonly IGrainStorage _storage;
    private readonly SiloOptions _options;
    private readonly ILogger _logger;
    private readonly Partition[] _partitions;
    private readonly GroupCommitter _committer;
    private readonly Lock _dispatchLock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _background = Task.CompletedTask;
    private long _dispatchedPosition;
    private int _started;

    public Silo(
        IEventLogStore log,
        IGrainStorage storage,
        GrainTypes types,
        ILogEntryHandler handler,
        SiloOptions options,
        TimeProvider time,
        ILoggerFactory loggers,
        INotificationSink? notifications = null)
    {
        _log = log;
        _storage = storage;
        _options = options;
        _logger = loggers.CreateLogger<Silo>();
        Map = new PartitionMap(options.Partitions);
        Time = time;
        var partitionLogger = loggers.CreateLogger("LiveOrleans.Runtime.Partition");
        _partitions = Enumerable.Range(0, Map.Count)
            .Select(i => new Partition(i, types, storage, handler, time, partitionLogger, notifications))
            .ToArray();
        _committer = new GroupCommitter(log, options, Dispatch);
    }

    public PartitionMap Map { get; }

    public TimeProvider Time { get; }

    /// <summary>Entries waiting for the log (for diagnostics and overload decisions).</summary>
    public int PendingEntries => _committer.PendingEntries;

    /// <summary>Loads every partition's checkpoint, replays the log's tail and starts taking appends.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) throw new InvalidOperationException("The silo is already started.");
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(_partitions, cancellationToken, (p, _) => { p.Recover(); return ValueTask.CompletedTask; });
        foreach (var partition in _partitions) partition.Start();

        var from = _partitions.Min(p => p.CheckpointPosition);
        var replayed = 0L;
        var chunks = new List<LogEntry>?[_partitions.Length];
        foreach (var entry in _log.ReadAfter(from))
        {
            var partition = _partitions[Map.Of(entry.Tenant)];
            if (entry.Position <= partition.CheckpointPosition) continue;
            var chunk = chunks[partition.Index] ??= new List<LogEntry>(1024);
            chunk.Add(entry);
            replayed++;
            if (chunk.Count == 1024)
            {
                partition.Post(new ApplyWork(chunk, null));
                chunks[partition.Index] = null;
            }
            _dispatchedPosition = entry.Position;
        }
        for (var i = 0; i < chunks.Length; i++)
        {
            if (chunks[i] is { } rest) _partitions[i].Post(new ApplyWork(rest, null));
        }
        await Task.WhenAll(_partitions.Select(p => RunAsync(p, _ => 0)));
        _dispatchedPosition = Math.Max(_dispatchedPosition, _log.LastPosition());
        _committer.Start();
        _background = Task.WhenAll(TickTimersAsync(_stop.Token), CheckpointLoopAsync(_stop.Token));
        Log.Started(_logger, _partitions.Length, _partitions.Sum(p => p.ActiveCount), replayed, watch.ElapsedMilliseconds);
    }

    /// <summary>Appends entries of one tenant durably; completes once they are stored and applied, with each entry's outcome.</summary>
    /// <exception cref="OverloadedException">Too many entries are waiting for the log.</exception>
    public Task<AppendOutcome[]> AppendAsync(string tenant, IReadOnlyList<LogAppend> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return Task.FromResult(Array.Empty<AppendOutcome>());
        return _committer.AppendAsync(tenant, entries);
    }

    /// <summary>Appends one entry durably and answers what applying it answered (<see cref="ILogEntryHandler.Apply"/>); null for a duplicate.</summary>
    public async Task<object?> SubmitAsync(string tenant, LogAppend entry)
    {
        var pending = _committer.Enqueue(tenant, [entry]);
        await pending.Task;
        return pending.Results[0];
    }

    /// <summary>Runs <paramref name="query"/> as a turn of the tenant's partition.</summary>
    public Task<T> QueryAsync<T>(string tenant, Func<IGrainFactory, T> query)
        => RunAsync(_partitions[Map.Of(tenant)], query);

    private static Task<T> RunAsync<T>(Partition partition, Func<IGrainFactory, T> query)
    {
        var work = new QueryWork<T>(query);
        partition.Post(work);
        return work.Task;
    }

    // Runs on the log writer thread: partitions receive their entries in log order.
    private void Dispatch(IReadOnlyList<PendingAppend> committed)
    {
        lock (_dispatchLock)
        {
            foreach (var pending in committed)
            {
                List<LogEntry>? stored = null;
                for (var i = 0; i < pending.Entries.Count; i++)
                {
                    var outcome = pending.Outcomes[i];
                    if (outcome.IsDuplicate) continue;
                    var append = pending.Entries[i];
                    (stored ??= new List<LogEntry>(pending.Entries.Count)).Add(new LogEntry(outcome.Position, append.Tenant, append.Kind, append.Payload) { Body = append.Body });
                    _dispatchedPosition = outcome.Position;
                }
                if (stored is null) pending.Complete([]);
                else _partitions[Map.Of(pending.Tenant)].Post(new ApplyWork(stored, pending.Complete));
            }
        }
    }

    private async Task TickTimersAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.TimerTick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var partition in _partitions) partition.Post(TimerWork.Instance);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task CheckpointLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.CheckpointInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) await CheckpointAsync();
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Writes a checkpoint of every partition: the snapshots of grains that changed, and the log position they cover.</summary>
    public async Task CheckpointAsync()
    {
        CheckpointWork[] requests;
        lock (_dispatchLock)
        {
            // Everything dispatched before this point is in the partitions' inboxes ahead of the request.
            var position = _dispatchedPosition;
            requests = _partitions.Select(_ => new CheckpointWork(position)).ToArray();
            for (var i = 0; i < _partitions.Length; i++) _partitions[i].Post(requests[i]);
        }
        for (var i = 0; i < _partitions.Length; i++)
        {
            PartitionCheckpoint checkpoint;
            try
            {
                checkpoint = await requests[i].Task;
            }
            catch (ObjectDisposedException)
            {
                continue;
            }
            if (checkpoint.Snapshots.Count == 0 && checkpoint.Position == _partitions[i].CheckpointPosition) continue;
            var written = false;
            try
            {
                await _committer.RunExclusiveAsync(() => _storage.WriteCheckpoint(checkpoint));
                written = true;
            }
            catch (Exception ex)
            {
                Log.CheckpointFailed(_logger, i, ex);
            }
            _partitions[i].Post(new CheckpointOutcomeWork(checkpoint, written));
        }
    }

    /// <summary>Serialised state of every active grain, partition by partition (for determinism tests).</summary>
    public async Task<IReadOnlyDictionary<GrainId, byte[]>> SnapshotAllAsync()
    {
        var parts = await Task.WhenAll(_partitions.Select(p => RunAsync(p, _ => p.SnapshotAll().ToArray())));
        return parts.SelectMany(x => x).ToDictionary(s => s.Id, s => s.Data);
    }

    /// <summary>Graceful stop: refuse new appends, write what is queued, take a last checkpoint.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        await _background;
        if (Volatile.Read(ref _started) == 1) await CheckpointAsync();
        _committer.Dispose();
        await Task.WhenAll(_partitions.Select(p => RunAsync(p, _ => 0)));
        await Task.WhenAll(_partitions.Select(p => p.StopAsync()));
        _log.Dispose();
        _storage.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Silo started: {Partitions} partitions, {Grains} grains activated from snapshots, {Replayed} log entries replayed in {Milliseconds} ms.")]
        public static partial void Started(ILogger logger, int partitions, int grains, long replayed, long milliseconds);

        [LoggerMessage(11, LogLevel.Error, "Checkpoint of partition {Partition} failed; its changes go into the next one.")]
        public static partial void CheckpointFailed(ILogger logger, int partition, Exception ex);
    }
}

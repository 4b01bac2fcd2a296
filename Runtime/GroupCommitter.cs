using System.Collections.Concurrent;

namespace LiveOrleans.Runtime;

/// <summary>
/// Group commit: appends from many requests wait in one queue, a single writer thread takes them all, writes
/// them in one durable transaction (one fsync) and hands the stored entries on in log order.
/// </summary>
public sealed class GroupCommitter : IDisposable
{
    private readonly IEventLogStore _store;
    private readonly SiloOptions _options;
    private readonly Action<IReadOnlyList<PendingAppend>> _committed;
    private readonly ConcurrentQueue<PendingAppend> _queue = new();
    private readonly ConcurrentQueue<(Action Work, TaskCompletionSource Done)> _exclusive = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _writer;
    private readonly CancellationTokenSource _stop = new();
    private int _pendingEntries;

    public GroupCommitter(IEventLogStore store, SiloOptions options, Action<IReadOnlyList<PendingAppend>> committed)
    {
        _store = store;
        _options = options;
        _committed = committed;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "LiveOrleans log writer" };
    }

    /// <summary>Entries waiting for the log right now.</summary>
    public int PendingEntries => Volatile.Read(ref _pendingEntries);

    public void Start() => _writer.Start();

    /// <summary>Queues entries of one tenant; the task completes when they are durable and applied.</summary>
    public Task<AppendOutcome[]> AppendAsync(string tenant, IReadOnlyList<LogAppend> entries) => Enqueue(tenant, entries).Task;

    /// <summary>Queues entries of one tenant; the append's task completes when they are durable and applied.</summary>
    public PendingAppend Enqueue(string tenant, IReadOnlyList<LogAppend> entries)
    {
        if (_stop.IsCancellationRequested) throw new ObjectDisposedException(nameof(GroupCommitter), "The silo is stopping.");
        var waiting = Interlocked.Add(ref _pendingEntries, entries.Count);
        if (waiting > _options.MaxPendingEntries && waiting != entries.Count)
        {
            Interlocked.Add(ref _pendingEntries, -entries.Count);
            throw new OverloadedException(TimeSpan.FromSeconds(1));
        }
        var pending = new PendingAppend(tenant, entries);
        _queue.Enqueue(pending);
        _signal.Release();
        return pending;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the writer thread between two group commits. Checkpoints go this way: the
    /// store then has a single writer, and a checkpoint never contends with appends for the database lock.
    /// </summary>
    public Task RunExclusiveAsync(Action work)
    {
        if (_stop.IsCancellationRequested && !_writer.IsAlive) return Task.Run(work);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _exclusive.Enqueue((work, done));
        _signal.Release();
        return done.Task;
    }

    private void RunExclusiveWork()
    {
        while (_exclusive.TryDequeue(out var job))
        {
            try
            {
                job.Work();
                job.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                job.Done.TrySetException(ex);
            }
        }
    }

    private void WriteLoop()
    {
        var batch = new List<PendingAppend>();
        var rows = new List<LogAppend>();
        while (true)
        {
            try
            {
                _signal.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                if (_queue.IsEmpty)
                {
                    RunExclusiveWork();
                    return;
                }
            }
            RunExclusiveWork();
            batch.Clear();
            rows.Clear();
            while (rows.Count < _options.MaxCommitBatch && _queue.TryDequeue(out var pending))
            {
                batch.Add(pending);
                rows.AddRange(pending.Entries);
            }
            if (batch.Count == 0) continue;
            // Each dequeued request released the signal once; the wait above took one of them.
            for (var i = 1; i < batch.Count; i++) _signal.Wait(0);
            try
            {
                var outcomes = _store.AppendBatch(rows);
                var offset = 0;
                foreach (var pending in batch)
                {
                    pending.Outcomes = outcomes.AsSpan(offset, pending.Entries.Count).ToArray();
                    offset += pending.Entries.Count;
                }
                _committed(batch.ToArray());
            }
            catch (Exception ex)
            {
                foreach (var pending in batch) pending.Fail(ex);
            }
            finally
            {
                Interlocked.Add(ref _pendingEntries, -rows.Count);
            }
        }
    }

    /// <summary>Stops taking appends, writes what is queued and ends the writer thread.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        if (_writer.IsAlive) _writer.Join();
        while (_queue.TryDequeue(out var pending)) pending.Fail(new ObjectDisposedException(nameof(GroupCommitter), "The silo is stopping."));
    }
}

/// <summary>One request's entries on their way to the log.</summary>
public sealed class PendingAppend(string tenant, IReadOnlyList<LogAppend> entries)
{
    private readonly TaskCompletionSource<AppendOutcome[]> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Tenant { get; } = tenant;

    public IReadOnlyList<LogAppend> Entries { get; } = entries;

    /// <summary>Set once the entries are durable.</summary>
    public AppendOutcome[] Outcomes { get; internal set; } = [];

    public Task<AppendOutcome[]> Task => _done.Task;

    /// <summary>What applying each entry answered (null for duplicates); set before <see cref="Task"/> completes.</summary>
    public object?[] Results { get; private set; } = [];

    /// <summary>Completes with the results of the stored (non-duplicate) entries, in order.</summary>
    public void Complete(object?[] storedResults)
    {
        var results = new object?[Entries.Count];
        for (int i = 0, stored = 0; i < Entries.Count; i++)
        {
            if (!Outcomes[i].IsDuplicate) results[i] = stored < storedResults.Length ? storedResults[stored++] : null;
        }
        Results = results;
        _done.TrySetResult(Outcomes);
    }

    public void Fail(Exception ex) => _done.TrySetException(ex);
}

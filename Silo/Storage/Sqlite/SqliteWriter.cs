using System.Collections.Concurrent;
using LiveOrleans.Live;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>
/// The store's one writer: a thread that takes every queued write (log appends, grain snapshots, audit entries,
/// control acknowledgements), runs them in one transaction — one fsync for all — and completes each after the
/// commit. Each write runs in a savepoint, so one that fails (a stale ETag, a broken entry) fails alone.
/// </summary>
public sealed partial class SqliteWriter : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly LogOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<SqliteWrite> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly QueuedEntries _pending;
    private readonly StoreWriteHealth? _health;
    private int _started;
    private long _transactions;
    private long _writes;

    public SqliteWriter(SqliteDatabase database, LogOptions options, ILogger<SqliteWriter> logger, StoreWriteHealth? health = null)
    {
        _database = database;
        _health = health;
        _options = options;
        _logger = logger;
        _pending = new QueuedEntries(options);
        Clock = new LogClock(database.Read(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(position), 0) FROM event_log";
            return (long)command.ExecuteScalar()!;
        }));
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "LiveOrleans store writer" };
    }

    internal LogClock Clock { get; }

    /// <summary>Transactions committed since the store opened (each is one fsync).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Writes committed since the store opened: <see cref="Transactions"/> over this is how well commits are shared.</summary>
    public long CommittedWrites => Interlocked.Read(ref _writes);

    /// <summary>Log entries queued and not yet committed.</summary>
    public int PendingEntries => _pending.Count;

    /// <summary>Whether new batches should be refused: half the queue limit is taken.</summary>
    public bool IsOverloaded => _pending.IsOverloaded;

    /// <summary>Queues a write; its task completes after the transaction that ran it is committed.</summary>
    /// <exception cref="OverloadedException">The write carries log entries and the queue is full.</exception>
    /// <exception cref="ObjectDisposedException">The store is closing.</exception>
    internal void Enqueue(SqliteWrite write)
    {
        if (_stop.IsCancellationRequested) throw new ObjectDisposedException(nameof(SqliteWriter), "The store is closing.");
        if (Interlocked.Exchange(ref _started, 1) == 0) _thread.Start();
        _pending.Add(write.Entries);
        _queue.Enqueue(write);
        _signal.Release();
    }

    private void WriteLoop()
    {
        using var connection = _database.Open();
        var batch = new SqliteWriteBatch(connection);
        var works = new List<SqliteWrite>();
        while (true)
        {
            try
            {
                _signal.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                if (_queue.IsEmpty) return;
            }
            works.Clear();
            var entries = 0;
            while (entries < _options.MaxCommitBatch && _queue.TryDequeue(out var write))
            {
                works.Add(write);
                entries += write.Entries;
            }
            if (works.Count == 0) continue;
            // Each queued write released the signal once; the wait above took one of them.
            for (var i = 1; i < works.Count; i++) _signal.Wait(0);
            var committed = Commit(batch, works);
            if (committed && entries > 0) LiveTelemetry.CommitEntries.Record(entries);
            // Counted out before anyone is answered: a caller that saw its write done never sees it still waiting.
            _pending.Remove(entries);
            foreach (var work in works)
            {
                if (!committed) work.Fail(work.Failed!);
                else if (work.Failed is { } failure) work.Fail(failure);
                else work.Complete();
            }
        }
    }

    /// <summary>Runs the writes in one transaction; answers whether it committed (when not, each write's <see cref="SqliteWrite.Failed"/> says why).</summary>
    private bool Commit(SqliteWriteBatch batch, List<SqliteWrite> works)
    {
        try
        {
            // A file deleted or replaced under the engine still takes writes through the open connection: they would
            // be acknowledged and lost. Checked before and after: one deleted between the two is caught by the second.
            if (_database.HasMoved()) throw Moved();
            batch.Begin();
            foreach (var work in works)
            {
                batch.Savepoint();
                try
                {
                    work.Execute(batch);
                    batch.Release();
                }
                catch (Exception ex) when (ex is not SqliteException sqlite || !SqliteDatabase.IsDurabilityFailure(sqlite)) // the store's failure: the whole transaction
                {
                    batch.RollbackToSavepoint();
                    work.Failed = ex;
                }
            }
            batch.Commit();
            if (_database.HasMoved()) throw Moved();
        }
        catch (Exception ex)
        {
            batch.Rollback();
            Exception failure = ex;
            if (ex is SqliteException sqlite && SqliteDatabase.IsDurabilityFailure(sqlite))
            {
                failure = new StoreUnavailableException($"The store could not make the write durable ({sqlite.Message}); nothing of it was stored.");
            }
            if (failure is StoreUnavailableException)
            {
                _health?.Failed(failure.Message);
                Log.Unavailable(_logger, works.Count, failure.Message);
            }
            else
            {
                Log.CommitFailed(_logger, works.Count, ex);
            }
            foreach (var work in works) work.Failed = failure;
            return false;
        }
        if (batch.LastPosition > 0) Clock.Committed(batch.LastPosition);
        _health?.Committed();
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _writes, works.Count);
        return true;
    }

    private StoreUnavailableException Moved() => new(
        $"The store's file {_database.Path} was deleted or replaced while the engine ran; nothing more is written. Restore it and restart the engine.");

    /// <summary>Writes what is queued, then stops the thread.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        if (Volatile.Read(ref _started) == 1) _thread.Join();
        while (_queue.TryDequeue(out var left)) left.Fail(new ObjectDisposedException(nameof(SqliteWriter), "The store is closing."));
        Log.Closed(_logger, _database.Path, Clock.StablePosition(TimeSpan.Zero));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "A transaction of {Writes} writes failed; each is answered with the error.")]
        public static partial void CommitFailed(ILogger logger, int writes, Exception ex);

        [LoggerMessage(3, LogLevel.Warning, "The store refused a transaction of {Writes} writes, each answered 503: {Reason}")]
        public static partial void Unavailable(ILogger logger, int writes, string reason);

        [LoggerMessage(2, LogLevel.Information, "Store {Path} closed after its last writes (grains' last snapshots included); the log ends at position {Position}.")]
        public static partial void Closed(ILogger logger, string path, long position);
    }
}

/// <summary>A write the writer thread runs inside its transaction, then completes after the commit.</summary>
internal abstract class SqliteWrite
{
    /// <summary>Log entries it appends (they count against the queue limit).</summary>
    public virtual int Entries => 0;

    /// <summary>Set when the write failed inside a transaction that committed.</summary>
    public Exception? Failed { get; set; }

    public abstract void Execute(SqliteWriteBatch batch);

    public abstract void Complete();

    public abstract void Fail(Exception ex);
}

/// <summary>A write with a result, completed asynchronously so no continuation runs on the writer thread.</summary>
internal abstract class SqliteWrite<T> : SqliteWrite
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _result = default!;

    public Task<T> Task => _done.Task;

    protected void SetResult(T result) => _result = result;

    public override void Complete() => _done.TrySetResult(_result);

    public override void Fail(Exception ex) => _done.TrySetException(ex);
}

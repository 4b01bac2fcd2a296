using System.Collections.Concurrent;
using LiveOrleans.Live;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LiveOrleans.Storage.Postgres;

/// <summary>
/// A silo's group committer on PostgreSQL: one loop takes every queued write (log appends, derived rows, control
/// acknowledgements), sends them as one batch in one transaction — one round trip and one WAL flush for all — and
/// completes each after the commit. When a transaction fails, its writes run again one transaction each, so one bad
/// write fails alone. Every silo has its own; PostgreSQL orders their transactions.
/// </summary>
public sealed partial class PostgresWriter : IDisposable
{
    private readonly PostgresDatabase _database;
    private readonly LogOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<PostgresWrite> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startLock = new();
    private Task? _loop;
    private readonly QueuedEntries _pending;
    private readonly StoreWriteHealth? _health;
    private long _transactions;

    public PostgresWriter(PostgresDatabase database, LogOptions options, ILogger<PostgresWriter> logger, StoreWriteHealth? health = null)
    {
        _database = database;
        _health = health;
        _options = options;
        _logger = logger;
        _pending = new QueuedEntries(options);
    }

    /// <summary>Transactions committed since the writer started.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Log entries queued and not yet committed.</summary>
    public int PendingEntries => _pending.Count;

    /// <summary>Whether new batches should be refused: half the queue limit is taken.</summary>
    public bool IsOverloaded => _pending.IsOverloaded;

    /// <summary>Queues a write; its task completes after the transaction that ran it is committed.</summary>
    /// <exception cref="OverloadedException">The write carries log entries and the queue is full.</exception>
    /// <exception cref="ObjectDisposedException">The store is closing.</exception>
    internal void Enqueue(PostgresWrite write)
    {
        if (_stop.IsCancellationRequested) throw new ObjectDisposedException(nameof(PostgresWriter), "The store is closing.");
        if (_loop is null)
        {
            lock (_startLock) _loop ??= Task.Run(WriteLoopAsync);
        }
        _pending.Add(write.Entries);
        _queue.Enqueue(write);
        _signal.Release();
    }

    private async Task WriteLoopAsync()
    {
        NpgsqlConnection? connection = null;
        var works = new List<PostgresWrite>();
        try
        {
            while (true)
            {
                try
                {
                    await _signal.WaitAsync(_stop.Token);
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
                for (var i = 1; i < works.Count; i++) _signal.Wait(0);
                try
                {
                    connection ??= await _database.DataSource.OpenConnectionAsync();
                    if (!await CommitAsync(connection, works))
                    {
                        // One of them broke the transaction: each alone, so only that one fails.
                        foreach (var work in works) await CommitAsync(connection, [work]);
                    }
                    if (entries > 0) LiveTelemetry.CommitEntries.Record(entries);
                }
                catch (Exception ex)
                {
                    // The connection itself failed (the server went away): every write of the group not committed yet fails
                    // (one the one-by-one pass committed before it is answered as done); the next group reconnects.
                    Log.CommitFailed(_logger, works.Count, ex);
                    foreach (var work in works.Where(w => !w.Committed)) work.Failed ??= ex;
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                }
                _pending.Remove(entries);
                foreach (var work in works)
                {
                    if (work.Failed is { } failure) work.Fail(Unavailable(failure));
                    else work.Complete();
                }
            }
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// A failure PostgreSQL meant as passing (Npgsql's transient errors: the server restarting, too many connections, a
    /// broken connection, disk full) as a <see cref="StoreUnavailableException"/>, which crosses grain calls and is
    /// answered 503 with Retry-After; it also makes the store not ready until a write commits again.
    /// </summary>
    private Exception Unavailable(Exception failure)
    {
        if (failure is not NpgsqlException { IsTransient: true } transient) return failure;
        var unavailable = new StoreUnavailableException($"PostgreSQL could not make the write durable just now ({transient.Message}); nothing of it was stored.");
        _health?.Failed(unavailable.Message);
        return unavailable;
    }

    /// <summary>Runs the writes in one transaction; false when a statement failed and nothing was committed.</summary>
    private async Task<bool> CommitAsync(NpgsqlConnection connection, List<PostgresWrite> works)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                // The group's log entries first, as one multi-row statement; then every other write's statements.
                var rows = new LogRows();
                foreach (var work in works) work.AddRows(rows);
                if (rows.Count > 0) batch.BatchCommands.Add(rows.Command());
                foreach (var work in works) work.AddCommands(batch);
                if (batch.BatchCommands.Count > 0)
                {
                    await using var reader = await batch.ExecuteReaderAsync();
                    if (rows.Count > 0)
                    {
                        await rows.ReadAsync(reader);
                        await reader.NextResultAsync();
                    }
                    foreach (var work in works) await work.ReadAsync(reader);
                }
            }
            foreach (var work in works) await work.AfterAsync(connection, transaction);
            await transaction.CommitAsync();
            foreach (var work in works) work.Committed = work.Failed is null;
            _health?.Committed();
        }
        catch (PostgresException ex) when (!ex.IsTransient || works.Count > 1)
        {
            await transaction.RollbackAsync();
            if (works.Count == 1) works[0].Failed = works[0].Translate(ex);
            return false;
        }
        Interlocked.Increment(ref _transactions);
        return true;
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        try
        {
            _loop?.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            Log.CommitFailed(_logger, _queue.Count, ex);
        }
        while (_queue.TryDequeue(out var left)) left.Fail(new ObjectDisposedException(nameof(PostgresWriter), "The store is closing."));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "A transaction of {Writes} writes failed on PostgreSQL; each is answered with the error.")]
        public static partial void CommitFailed(ILogger logger, int writes, Exception ex);
    }
}

/// <summary>A write the committer runs inside its transaction, then completes after the commit.</summary>
internal abstract class PostgresWrite
{
    /// <summary>Log entries it appends (they count against the queue limit).</summary>
    public virtual int Entries => 0;

    /// <summary>Set when the write failed.</summary>
    public Exception? Failed { get; set; }

    /// <summary>Set when a transaction that ran it committed.</summary>
    public bool Committed { get; set; }

    /// <summary>Adds its log entries to the group's one append statement (read back in <see cref="ReadAsync"/>); most writes have none.</summary>
    public virtual void AddRows(LogRows rows)
    {
    }

    /// <summary>Adds its statements to the transaction's batch; each must answer exactly one result set.</summary>
    public abstract void AddCommands(NpgsqlBatch batch);

    /// <summary>Reads its statements' result sets: on entry the reader is at the first; leaves it after the last.</summary>
    public abstract Task ReadAsync(NpgsqlDataReader reader);

    /// <summary>Runs after the batch, in the same transaction (a second look at what the batch could not see).</summary>
    public virtual Task AfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction) => Task.CompletedTask;

    /// <summary>What a caller is told when PostgreSQL refused this write alone.</summary>
    public virtual Exception Translate(PostgresException exception) => exception;

    public abstract void Complete();

    public abstract void Fail(Exception ex);

    protected static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }
}

/// <summary>A write with a result, completed asynchronously so no continuation runs on the committer.</summary>
internal abstract class PostgresWrite<T> : PostgresWrite
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _result = default!;

    public Task<T> Task => _done.Task;

    protected void SetResult(T result) => _result = result;

    public override void Complete() => _done.TrySetResult(_result);

    public override void Fail(Exception ex) => _done.TrySetException(ex);
}

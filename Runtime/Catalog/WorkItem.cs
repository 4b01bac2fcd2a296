namespace LiveOrleans.Runtime;

/// <summary>One turn of a partition.</summary>
internal abstract class WorkItem
{
    public abstract void Run(Partition partition);

    public virtual void Fail(Exception ex) { }

    public virtual void Cancel() => Fail(new ObjectDisposedException("The silo is stopping."));
}

/// <summary>Log entries to apply; hands the results on once they are applied.</summary>
internal sealed class ApplyWork(IReadOnlyList<LogEntry> entries, Action<object?[]>? applied) : WorkItem
{
    public override void Run(Partition partition)
    {
        var results = partition.Apply(entries);
        applied?.Invoke(results);
    }
}

/// <summary>A read (or a command that needs no log) running as a turn.</summary>
internal sealed class QueryWork<T>(Func<IGrainFactory, T> query) : WorkItem
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _done.Task;

    public override void Run(Partition partition) => _done.TrySetResult(query(partition));

    public override void Fail(Exception ex) => _done.TrySetException(ex);
}

internal sealed class TimerWork : WorkItem
{
    public static readonly TimerWork Instance = new();

    public override void Run(Partition partition) => partition.FireTimers();
}

internal sealed class CheckpointWork(long position) : WorkItem
{
    private readonly TaskCompletionSource<PartitionCheckpoint> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<PartitionCheckpoint> Task => _done.Task;

    public override void Run(Partition partition) => _done.TrySetResult(partition.TakeCheckpoint(position));

    public override void Fail(Exception ex) => _done.TrySetException(ex);
}

internal sealed class CheckpointOutcomeWork(PartitionCheckpoint checkpoint, bool written) : WorkItem
{
    public override void Run(Partition partition)
    {
        if (written) partition.CheckpointWritten(checkpoint);
        else partition.CheckpointFailed(checkpoint);
    }
}

namespace LiveOrleans.Grains.Derived;

/// <summary>
/// After a grain loads many rows (a live-index shard or tenant-day of a large tenant, at a restart), one aggressive
/// collection gives back what the load's transient objects made the heap commit. A million rows read, deserialized
/// and indexed leave the server collector holding ~0.9 GB of free space it would otherwise keep (RSS ~2.3 GB for a
/// ~1.3 GB live heap); compacted once, the process keeps what it uses. The collection pauses the process (~0.7 s at a
/// million sessions on two cores), once, when every large load still running has ended and none began for
/// <see cref="Quiet"/>.
/// </summary>
public sealed partial class HeapCompaction(TimeProvider time, ILogger<HeapCompaction> logger)
{
    /// <summary>Loads of fewer rows leave nothing worth a compaction.</summary>
    public const int LargeLoad = 50_000;

    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private int _open;
    private ITimer? _timer;

    /// <summary>What compacts; a test's own counter in its place.</summary>
    internal Action Collect { get; init; } = static () => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// Holds the compaction back while a load of <paramref name="rows"/> rows goes on (its build, its keyword grams); the
    /// compaction follows <see cref="Quiet"/> after the last hold is released. Loads under <see cref="LargeLoad"/> hold nothing.
    /// </summary>
    public IDisposable? Loading(int rows)
    {
        if (rows < LargeLoad) return null;
        lock (_lock)
        {
            _open++;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        return new Hold(this);
    }

    private void Release()
    {
        lock (_lock)
        {
            if (--_open > 0) return;
            _timer ??= time.CreateTimer(_ => Compact(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(Quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Compact()
    {
        lock (_lock)
        {
            if (_open > 0) return; // a load began as the timer fired: its release schedules the compaction again
        }
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = time.GetTimestamp();
        Collect();
        Log.Compacted(logger, before / 1_000_000, GC.GetGCMemoryInfo().TotalCommittedBytes / 1_000_000, time.GetElapsedTime(started).TotalMilliseconds);
    }

    private sealed class Hold(HeapCompaction owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Heap compacted after a large load: {BeforeMb} MB committed, {AfterMb} MB after, in {Ms:F0} ms.")]
        public static partial void Compacted(ILogger logger, long beforeMb, long afterMb, double ms);
    }
}

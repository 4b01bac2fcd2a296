namespace LiveOrleans.Grains.Derived;

/// <summary>
/// After a grain loads many rows (a live-index shard or tenant-day of a large tenant, at a restart), one aggressive
/// collection gives back what the load's transient objects made the heap commit. A million rows read, deserialized
/// and indexed leave the server collector holding ~0.9 GB of free space it would otherwise keep (RSS ~2.3 GB for a
/// ~1.3 GB live heap); compacted once, the process keeps what it uses. The collection pauses the process (0.5–1.2 s
/// at a million sessions on two cores), once: <see cref="Quiet"/> after the last large load ended, when no load is
/// under way.
/// </summary>
public sealed partial class HeapCompaction(TimeProvider time, ILogger<HeapCompaction> logger)
{
    /// <summary>Loads of fewer rows leave nothing worth a compaction.</summary>
    public const int LargeLoad = 50_000;

    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private int _open;
    private bool _due;
    private ITimer? _timer;

    /// <summary>What compacts; a test's own counter in its place.</summary>
    internal Action Collect { get; init; } = static () => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// A load begins: no compaction while it goes on (its rows being read, its build, its keyword grams). Say how many
    /// rows it read (<see cref="Load.Read"/>); dispose of it when done, or when the activation fails.
    /// </summary>
    public Load Loading()
    {
        lock (_lock) _open++;
        return new Load(this);
    }

    private void End(bool large)
    {
        lock (_lock)
        {
            _open--;
            _due |= large;
            if (_open > 0 || !_due) return;
            // The quiet time counts from the last large load's end; a small load's end only starts it if none is pending.
            if (_timer is not null && !large) return;
            _timer ??= time.CreateTimer(_ => Compact(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(Quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Compact()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
            if (_open > 0) return; // the load under way reschedules it when it ends
            _due = false;
        }
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = time.GetTimestamp();
        Collect();
        Log.Compacted(logger, before / 1_000_000, GC.GetGCMemoryInfo().TotalCommittedBytes / 1_000_000, time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>A load under way; ends once, when disposed.</summary>
    public sealed class Load(HeapCompaction owner) : IDisposable
    {
        private int _ended;
        private bool _large;

        /// <summary>The load read <paramref name="rows"/> rows: a large one compacts the heap after it ends.</summary>
        public void Read(int rows) => _large |= rows >= LargeLoad;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) owner.End(_large);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Heap compacted after a large load: {BeforeMb} MB committed, {AfterMb} MB after, in {Ms:F0} ms.")]
        public static partial void Compacted(ILogger logger, long beforeMb, long afterMb, double ms);
    }
}

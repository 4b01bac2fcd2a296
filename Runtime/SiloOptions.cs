namespace LiveOrleans.Runtime;

/// <summary>Settings of a silo (configuration section <c>Runtime</c>).</summary>
public sealed class SiloOptions
{
    public const int DefaultPartitions = 64;
    public const int DefaultMaxPendingEntries = 200_000;
    public const int DefaultMaxCommitBatch = 20_000;
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultTimerTick = TimeSpan.FromSeconds(1);

    /// <summary>Number of virtual partitions; fixed for the life of a store.</summary>
    public int Partitions { get; set; } = DefaultPartitions;

    /// <summary>Entries waiting for the log beyond which appends are refused as overload.</summary>
    public int MaxPendingEntries { get; set; } = DefaultMaxPendingEntries;

    /// <summary>Most entries one group commit takes.</summary>
    public int MaxCommitBatch { get; set; } = DefaultMaxCommitBatch;

    /// <summary>How often partitions write snapshots of the grains that changed.</summary>
    public TimeSpan CheckpointInterval { get; set; } = DefaultCheckpointInterval;

    /// <summary>How often partitions look for due timers.</summary>
    public TimeSpan TimerTick { get; set; } = DefaultTimerTick;
}

/// <summary>Thrown when more entries wait for the log than <see cref="SiloOptions.MaxPendingEntries"/>.</summary>
public sealed class OverloadedException(TimeSpan retryAfter)
    : Exception("The engine is at capacity; retry after a short wait.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

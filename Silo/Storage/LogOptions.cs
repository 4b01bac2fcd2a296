namespace LiveOrleans.Storage;

/// <summary>Settings of the durable log's writer (configuration section <c>Log</c>).</summary>
public sealed class LogOptions
{
    public const int DefaultMaxPendingEntries = 200_000;
    public const int DefaultMaxCommitBatch = 20_000;

    /// <summary>Log entries waiting for the writer beyond which appends are refused (429 at the Api). New batches are refused from half of it.</summary>
    public int MaxPendingEntries { get; set; } = DefaultMaxPendingEntries;

    /// <summary>Most log entries one transaction takes (state writes and audit entries ride along).</summary>
    public int MaxCommitBatch { get; set; } = DefaultMaxCommitBatch;
}

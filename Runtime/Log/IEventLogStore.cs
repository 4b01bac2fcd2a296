namespace LiveOrleans.Runtime;

/// <summary>
/// A durable, ordered log. Implementations append a whole batch in one transaction and return only when it is
/// on disk; group commit (many requests per batch) is done by <see cref="GroupCommitter"/> above them.
/// </summary>
public interface IEventLogStore : IDisposable
{
    /// <summary>Appends in one durable transaction; an entry whose dedup key is already stored for its tenant (or earlier in the batch) is a duplicate.</summary>
    AppendOutcome[] AppendBatch(IReadOnlyList<LogAppend> batch);

    /// <summary>Entries after <paramref name="afterPosition"/>, in order.</summary>
    IEnumerable<LogEntry> ReadAfter(long afterPosition);

    /// <summary>The highest stored position (0 when empty).</summary>
    long LastPosition();
}

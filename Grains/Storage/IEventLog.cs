namespace LiveOrleans.Grains.Storage;

/// <summary>What a log entry holds.</summary>
public enum LogEntryKind : byte
{
    /// <summary>A producer event (JSON of <see cref="Events.LiveEvent"/>).</summary>
    Event = 1,

    /// <summary>An intervention (JSON of <see cref="Events.InterventionCommand"/>).</summary>
    Intervention = 2,
}

/// <summary>An entry to append. <paramref name="DedupKey"/> is unique per tenant: a repeat is a duplicate and is not stored again.</summary>
public sealed record LogAppend(LogEntryKind Kind, string DedupKey, byte[] Payload);

/// <summary>Where an appended entry is: its position, and whether it was already stored (then the position is the stored one's).</summary>
public readonly record struct LogAppendOutcome(long Position, bool Duplicate);

/// <summary>A stored entry of one stream.</summary>
public sealed record LogRecord(long Position, LogEntryKind Kind, byte[] Payload);

/// <summary>An intervention's log entry was stored with its audit entry; <paramref name="ControlSequence"/> numbers its control command (0 when none).</summary>
public readonly record struct InterventionAppendOutcome(long Position, bool Duplicate, long ControlSequence);

/// <summary>
/// The durable log, seen from grains: one table of entries with a global position, per-tenant unique dedup keys
/// and one stream per grain (<c>session/{id}</c>, <c>agent/{id}</c>). Appends from many grains share one
/// transaction (group commit); an append completes once its transaction is on disk.
/// </summary>
public interface IEventLog
{
    /// <summary>Appends entries of one stream durably, in order.</summary>
    /// <exception cref="Live.OverloadedException">Too many entries are waiting for the log.</exception>
    Task<LogAppendOutcome[]> AppendAsync(string tenant, string stream, IReadOnlyList<LogAppend> entries);

    /// <summary>
    /// Appends an intervention's entry together with its audit entry (hash-chained per tenant) and, when
    /// <paramref name="control"/> is given, its control command in the outbox, in one transaction.
    /// </summary>
    Task<InterventionAppendOutcome> AppendInterventionAsync(string tenant, string stream, LogAppend entry, InterventionView audit,
        ControlCommand? control);

    /// <summary>A stream's entries after a position, in order.</summary>
    Task<IReadOnlyList<LogRecord>> ReadAsync(string tenant, string stream, long afterPosition);

    /// <summary>The tenant's streams with entries after a position.</summary>
    Task<IReadOnlyList<string>> ChangedStreamsAsync(string tenant, long afterPosition);

    /// <summary>
    /// A position every entry at or below which was committed at least <paramref name="margin"/> ago: a derived grain
    /// that writes it with its snapshot has received the facts of those entries (their delivery takes less than the margin).
    /// </summary>
    long StablePosition(TimeSpan margin);

    /// <summary>Whether the log has so much waiting that new work should be refused (429) rather than queued.</summary>
    bool IsOverloaded { get; }

    /// <summary>Log entries this process has queued and not yet committed.</summary>
    int PendingEntries { get; }
}

namespace LiveOrleans.Runtime;

/// <summary>What the durable log carries: producer events and tenant commands (settings, interventions).</summary>
public enum LogEntryKind : byte
{
    Event = 1,
    Command = 2,
}

/// <summary>An entry to append. <paramref name="DedupKey"/>, when set, must be unique per tenant: a repeat is a duplicate and is not stored again.</summary>
public sealed record LogAppend(string Tenant, LogEntryKind Kind, string? DedupKey, byte[] Payload)
{
    /// <summary>The decoded entry when the appender has it, handed to the partition so it need not decode the payload again. Never stored.</summary>
    public object? Body { get; init; }
}

/// <summary>An entry of the durable log at its position (positions grow by one per stored entry).</summary>
public sealed record LogEntry(long Position, string Tenant, LogEntryKind Kind, byte[] Payload)
{
    /// <summary>The decoded entry, when it came from this process's appender; null on replay.</summary>
    public object? Body { get; init; }
}

/// <summary>Outcome of one append in a batch: its position, or 0 when it was a duplicate.</summary>
public readonly record struct AppendOutcome(long Position)
{
    public bool IsDuplicate => Position == 0;
}

using LiveOrleans.Queries;

namespace LiveOrleans.Storage;

/// <summary>The permanent audit log of interventions: append-only (entries are written with their session's log entry), hash-chained per tenant.</summary>
public interface IAuditLog
{
    /// <summary>Entries of a tenant, oldest first, of one session or all, within [from, to].</summary>
    Task<IReadOnlyList<InterventionView>> QueryAsync(string tenant, string? sessionId, DateTimeOffset? from, DateTimeOffset? to);

    /// <summary>Walks the tenant's chain and answers whether every entry is there, unchanged, in order.</summary>
    Task<AuditVerification> VerifyAsync(string tenant);
}

/// <summary>Whether a tenant's audit chain is intact; when it is not, the first entry that breaks it and why.</summary>
public sealed record AuditVerification(bool Intact, long Entries, long? BrokenAt, string? Problem)
{
    public static AuditVerification Broken(long checkedEntries, long at, string problem) => new(false, checkedEntries, at, problem);
}

/// <summary>Control commands waiting for a producer's acknowledgement (written with their intervention's audit entry).</summary>
public interface IControlOutbox
{
    /// <summary>Commands not acknowledged yet, oldest first, numbered after <paramref name="afterSequence"/>.</summary>
    Task<IReadOnlyList<ControlCommand>> PendingAsync(string tenant, long afterSequence);

    /// <summary>The sequence number of the tenant's newest command (acknowledged or not), 0 when there is none.</summary>
    Task<long> LastSequenceAsync(string tenant);

    /// <summary>Removes a command from the outbox; answers whether it was pending.</summary>
    Task<bool> AcknowledgeAsync(string tenant, string interventionId);
}

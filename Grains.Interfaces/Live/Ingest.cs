namespace LiveOrleans.Live;

/// <summary>A session's share of an ingest batch: its events in batch order, and the tenant's time zone now.</summary>
/// <param name="MayStart">False when the tenant is at its live-session cap: a session that does not exist yet refuses its share.</param>
[GenerateSerializer, Immutable]
public sealed record SessionBatch(IReadOnlyList<Events.LiveEvent> Events, string TimeZone, bool MayStart = true);

/// <summary>Why a session refused its share of a batch.</summary>
public enum RefusalKind
{
    /// <summary>The session is paused by an intervention and the share holds the agent's events.</summary>
    Paused,

    /// <summary>The session does not exist yet and the tenant has as many live sessions as it may.</summary>
    SessionCap,

    /// <summary>A person took the conversation over and the share holds a reply that is not theirs (or a token delta).</summary>
    TakenOver,
}

/// <summary>What a session did with its share of a batch.</summary>
/// <param name="Accepted">Events applied now (token deltas included).</param>
/// <param name="Duplicates">Events whose id the tenant had already sent.</param>
/// <param name="Refused">Why the session refused its share (it is paused and the share holds agent events); nothing of it was stored.</param>
/// <param name="Changes">What changed, for the derived grains; null when nothing did.</param>
[GenerateSerializer, Immutable]
public sealed record SessionIngestResult(int Accepted, int Duplicates, string? Refused, SessionChanges? Changes, RefusalKind RefusedAs = RefusalKind.Paused);

/// <summary>What became of a batch sent through <see cref="Grains.IIngestGrain"/>.</summary>
/// <param name="Refused">Sessions that refused their share, each with the reason; their events were not stored, the others' were.</param>
[GenerateSerializer, Immutable]
public sealed record IngestResult(int Accepted, int Duplicates, IReadOnlyList<SessionRefusal> Refused);

/// <summary>A session that refused its share of a batch, and why.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionRefusal(string SessionId, string Detail, RefusalKind Kind = RefusalKind.Paused);

/// <summary>Thrown when the log has more entries waiting than it may queue: the caller should answer 429 and retry later.</summary>
[GenerateSerializer]
public sealed class OverloadedException : Exception
{
    public OverloadedException() : this(TimeSpan.FromSeconds(1)) { }

    public OverloadedException(TimeSpan retryAfter) : base("The engine is at capacity; retry after a short wait.")
        => RetryAfterMs = (long)retryAfter.TotalMilliseconds;

    public OverloadedException(string message) : base(message) { }

    public OverloadedException(string message, Exception inner) : base(message, inner) { }

    [Id(0)]
    public long RetryAfterMs { get; private set; } = 1000;

    public TimeSpan RetryAfter => TimeSpan.FromMilliseconds(RetryAfterMs);
}

/// <summary>
/// Thrown when the store cannot make a write durable just now (the disk is full, an I/O error, the store's file is
/// gone, PostgreSQL refused for a moment): nothing of the write was stored. The caller answers 503 with
/// <see cref="RetryAfter"/>; a repeated event is not stored twice, so sending it again is safe.
/// </summary>
[GenerateSerializer]
public sealed class StoreUnavailableException : Exception
{
    /// <summary>How long a caller should wait before it tries again, by default.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    public StoreUnavailableException() : this("The store cannot take writes just now.") { }

    public StoreUnavailableException(string message) : base(message) { }

    public StoreUnavailableException(string message, Exception inner) : base(message, inner) { }

    [Id(0)]
    public long RetryAfterMs { get; private set; } = (long)DefaultRetryAfter.TotalMilliseconds;

    public TimeSpan RetryAfter => TimeSpan.FromMilliseconds(RetryAfterMs);
}

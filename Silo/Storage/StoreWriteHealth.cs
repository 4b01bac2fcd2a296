namespace LiveOrleans.Storage;

/// <summary>
/// Whether the store takes writes, as its writer last saw: a write that could not be made durable (disk full, an I/O
/// error, the file gone, PostgreSQL refusing) makes the store not ready, and it stays so for at least
/// <see cref="Hold"/> (what a refused caller is told to wait) and then until a write commits again. The readiness
/// check reads it, and probes with a write of its own once the hold has passed, so a store whose space came back is
/// ready again without waiting for traffic the load balancer no longer sends.
/// </summary>
public sealed class StoreWriteHealth(TimeProvider? time = null)
{
    /// <summary>The least time a failed write keeps the store not ready.</summary>
    public static readonly TimeSpan Hold = Live.StoreUnavailableException.DefaultRetryAfter;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private string? _failure;
    private DateTimeOffset _failedAt;
    private bool _committedSince = true;

    /// <summary>A write could not be made durable, for <paramref name="reason"/>.</summary>
    public void Failed(string reason)
    {
        lock (_lock)
        {
            _failure = reason;
            _failedAt = _time.GetUtcNow();
            _committedSince = false;
        }
    }

    /// <summary>A transaction committed.</summary>
    public void Committed()
    {
        if (Volatile.Read(ref _committedSince)) return;
        lock (_lock) _committedSince = true;
    }

    /// <summary>Null when writes succeed; else why the last one failed, and whether the hold has passed (a probe write may tell).</summary>
    public (string Reason, bool ProbeDue)? Problem
    {
        get
        {
            lock (_lock)
            {
                if (_failure is null) return null;
                var held = _time.GetUtcNow() - _failedAt < Hold;
                if (_committedSince && !held) return null;
                return (_failure, !held && !_committedSince);
            }
        }
    }
}

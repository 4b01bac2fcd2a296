namespace LiveOrleans.Grains;

/// <summary>Settings of the live model (configuration section <c>Live</c>); they shape reads and timers, never what the log means.</summary>
public sealed class LiveOptions
{
    public static readonly TimeSpan DefaultEndedGracePeriod = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultPresenceTimeout = TimeSpan.FromMinutes(10);
    public const int DefaultMaxMessagesPerSession = 1_000;
    public const int DefaultMaxActivityEntries = 1_000;

    /// <summary>How long an ended session's card stays in the list, showing <c>ended</c>.</summary>
    public TimeSpan EndedGracePeriod { get; set; } = DefaultEndedGracePeriod;

    /// <summary>An agent with no presence signal for this long is offline.</summary>
    public TimeSpan PresenceTimeout { get; set; } = DefaultPresenceTimeout;

    /// <summary>Messages a session keeps (oldest dropped beyond it); the durable log keeps them all.</summary>
    public int MaxMessagesPerSession { get; set; } = DefaultMaxMessagesPerSession;

    /// <summary>Activity-log entries a tenant keeps.</summary>
    public int MaxActivityEntries { get; set; } = DefaultMaxActivityEntries;

    /// <summary>The rolling window of the metrics bar.</summary>
    public static readonly TimeSpan MetricsWindow = TimeSpan.FromMinutes(60);

    /// <summary>An ended session stays active (in memory and in its tenant's index) this long, so the metrics window sees it.</summary>
    public TimeSpan EndedRetention => EndedGracePeriod > MetricsWindow ? EndedGracePeriod : MetricsWindow;
}

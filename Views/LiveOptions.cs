namespace LiveOrleans.Views;

/// <summary>
/// Settings of the live model (configuration section <c>Live</c>). They shape reads, memory and timers, never what
/// the log means: the same log gives the same figures whatever they are.
/// </summary>
/// <remarks>
/// One class for the one section, here rather than in Grains: silos and Api hosts both bind it, and the read-side
/// settings (index shards, grace period, presence time-out, activity bound) must be the same on both, which two
/// classes over one section would not make sure of. The silo-only settings come along; no host reads them but a silo.
/// </remarks>
public sealed class LiveOptions
{
    public static readonly TimeSpan DefaultEndedGracePeriod = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultPresenceTimeout = TimeSpan.FromMinutes(10);
    public const int DefaultMaxMessagesPerSession = 1_000;
    public const int DefaultMaxActivityEntries = 1_000;
    public const int DefaultSearchTextChars = 8_192;
    public const int DefaultIndexShards = 1;
    public static readonly TimeSpan DefaultSnapshotInterval = TimeSpan.FromSeconds(5);
    public const int DefaultSessionSnapshotEntries = 200;
    public static readonly TimeSpan DefaultSessionIdleTimeout = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan DefaultInactiveSessionTimeout = TimeSpan.FromHours(1);
    public const int DefaultMaxLiveSessionsPerTenant = 2_000_000;
    public static readonly TimeSpan DefaultRecoveryMargin = TimeSpan.FromSeconds(60);

    /// <summary>The rolling window of the metrics bar.</summary>
    public static readonly TimeSpan MetricsWindow = SessionRules.MetricsWindow;

    /// <summary>Activity entries a session keeps about itself (so a derived grain that lost some can get them back).</summary>
    public const int ActivityPerSession = 20;

    /// <summary>How long an ended session's card stays in the list, showing <c>ended</c>.</summary>
    public TimeSpan EndedGracePeriod { get; set; } = DefaultEndedGracePeriod;

    /// <summary>An agent with no presence signal for this long is offline.</summary>
    public TimeSpan PresenceTimeout { get; set; } = DefaultPresenceTimeout;

    /// <summary>Messages a session keeps (oldest dropped beyond it); the durable log keeps them all.</summary>
    public int MaxMessagesPerSession { get; set; } = DefaultMaxMessagesPerSession;

    /// <summary>Activity-log entries a tenant's live index keeps (per shard).</summary>
    public int MaxActivityEntries { get; set; } = DefaultMaxActivityEntries;

    /// <summary>Characters of a session's most recent message texts that keyword filters search.</summary>
    public int SearchTextChars { get; set; } = DefaultSearchTextChars;

    /// <summary>Shards of each tenant's live index; fixed for the life of a store.</summary>
    public int IndexShards { get; set; } = DefaultIndexShards;

    /// <summary>How often derived grains (index, days, agents, tenants) write their snapshot when they changed.</summary>
    public TimeSpan SnapshotInterval { get; set; } = DefaultSnapshotInterval;

    /// <summary>
    /// A busy session writes its snapshot after this many log entries (it always does when it deactivates); the log has
    /// every event meanwhile, so this bounds what a restart replays, not what it recovers.
    /// </summary>
    public int SessionSnapshotEntries { get; set; } = DefaultSessionSnapshotEntries;

    /// <summary>A session grain with no call for this long leaves memory (its card stays in the live index).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = DefaultSessionIdleTimeout;

    /// <summary>
    /// A live session with no event for this long is ended by the engine with reason <c>idle_timeout</c> (its producer
    /// never sent <c>session_ended</c>); zero turns it off. The end is an event in the log like any other, timed at
    /// the last activity plus this, so a restart or a replay gives the same figures.
    /// </summary>
    public TimeSpan InactiveSessionTimeout { get; set; } = DefaultInactiveSessionTimeout;

    /// <summary>
    /// Live sessions one tenant may have; events of new sessions beyond it are refused (429) until some end. Counted
    /// from the live index at most a second old, so a burst of new sessions may pass it by a second's worth. Zero: no cap.
    /// </summary>
    public int MaxLiveSessionsPerTenant { get; set; } = DefaultMaxLiveSessionsPerTenant;

    /// <summary>
    /// How long delivering a session's changes to the derived grains may take at most. A derived grain that restarts
    /// after a crash asks the sessions whose log changed in this margin before its snapshot for their facts again.
    /// </summary>
    public TimeSpan RecoveryMargin { get; set; } = DefaultRecoveryMargin;

    /// <summary>
    /// Streams a recovering derived grain asks about before it writes its progress: a recovery interrupted part way
    /// resumes after the last batch written.
    /// </summary>
    public int RecoveryBatch { get; set; } = 16_384;

    /// <summary>An ended session stays in the live index this long, so the metrics window still sees it.</summary>
    public TimeSpan EndedRetention => EndedGracePeriod > MetricsWindow ? EndedGracePeriod : MetricsWindow;
}

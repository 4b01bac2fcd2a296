namespace LiveOrleans.Api.Live;

/// <summary>How dashboards are pushed to (configuration section <c>Push</c>).</summary>
public sealed class PushOptions
{
    public static readonly TimeSpan DefaultTick = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultFigureInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(1);
    public const int DefaultMaxCards = 1_000;
    public const int DefaultWindow = 100;
    public const int MaxWindow = 500;
    public const int DefaultMaxQueuedBytes = 4 * 1024 * 1024;
    public const int DefaultMaxConnectionsPerUser = 20;
    public const int DefaultMaxConnectionsPerTenant = 2_000;
    public const int DefaultMaxFilterGroupsPerTenant = 100;

    /// <summary>
    /// The push tick: a subscription with ticks gets at most one message per tick with everything that changed on its
    /// screen; the host also looks at its views this often.
    /// </summary>
    public TimeSpan Tick { get; set; } = DefaultTick;

    /// <summary>Figures (summary, hourly chart, agents, metrics) are pushed at most this often per connection.</summary>
    public TimeSpan FigureInterval { get; set; } = DefaultFigureInterval;

    /// <summary>Figures that change with time alone (presence, the rolling window, durations) are refreshed this often.</summary>
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;

    /// <summary>Cards in a subscription's snapshot (most recent activity first).</summary>
    public int MaxCards { get; set; } = DefaultMaxCards;

    /// <summary>A connection whose unsent pushes exceed this many bytes is closed (its browser reconnects and takes a fresh snapshot).</summary>
    public int MaxQueuedBytes { get; set; } = DefaultMaxQueuedBytes;

    /// <summary>Dashboard connections one person may have open on this node (0: no cap).</summary>
    public int MaxConnectionsPerUser { get; set; } = DefaultMaxConnectionsPerUser;

    /// <summary>Dashboard connections one tenant may have open on this node (0: no cap).</summary>
    public int MaxConnectionsPerTenant { get; set; } = DefaultMaxConnectionsPerTenant;

    /// <summary>
    /// Different filters one tenant's dashboards may subscribe with at once on this node (0: no cap). Connections
    /// with the same filter share one group, so this bounds the tenant's work per change, whatever its connections.
    /// </summary>
    public int MaxFilterGroupsPerTenant { get; set; } = DefaultMaxFilterGroupsPerTenant;
}

namespace LiveOrleans.Hosting;

/// <summary>Where LiveOrleans keeps its log, snapshots, audit and identities (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string DefaultSqlitePath = "data/liveorleans.db";

    /// <summary><c>Sqlite</c> (embedded, the default) or <c>PostgreSql</c> (cluster mode).</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>The embedded store's file; relative paths resolve against the working directory.</summary>
    public string SqlitePath { get; set; } = DefaultSqlitePath;
}

/// <summary>How this process takes part in the Orleans cluster (configuration section <c>Orleans</c>).</summary>
public sealed class OrleansHostOptions
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    public string ClusterId { get; set; } = "liveorleans";

    public string ServiceId { get; set; } = "liveorleans";

    public int SiloPort { get; set; } = DefaultSiloPort;

    public int GatewayPort { get; set; } = DefaultGatewayPort;

    /// <summary>
    /// How often each memory-stream queue is polled for new items (Orleans' default is 100 ms, which alone put
    /// ~50 ms on the median push). Lower is faster pushes for a little idle CPU.
    /// </summary>
    public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromMilliseconds(10);
}

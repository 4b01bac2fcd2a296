using LiveOrleans.Grains;
using LiveOrleans.Grains.Ingest;
using LiveOrleans.Grains.Reads;
using LiveOrleans.Grains.Sessions;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace LiveOrleans.Hosting;

/// <summary>Who provides a LiveOrleans silo's cluster membership.</summary>
public enum LiveMembership
{
    /// <summary>One silo on localhost (embedded mode): stream subscriptions are kept in memory, as they end with the process.</summary>
    Localhost,

    /// <summary>The host configures membership (several silos, e.g. Orleans' <c>TestCluster</c>): stream subscriptions are kept in the store, so they survive a silo leaving.</summary>
    Provided,
}

/// <summary>Turns an Orleans silo into a LiveOrleans silo, in one call that the Silo executable and the Api share.</summary>
public static class LiveSiloBuilderExtensions
{
    /// <summary>
    /// Registers the store (the durable log with group commit, grain snapshots, derived rows, audit, control outbox),
    /// the grains' options and clock, memory streams with their pub-sub store, and the cluster membership of the
    /// configured mode. Configuration sections: <c>Storage</c>, <c>Orleans</c>, <c>Live</c>, <c>Log</c>.
    /// </summary>
    public static ISiloBuilder AddLiveOrleansSilo(this ISiloBuilder silo, IConfiguration configuration, LiveMembership membership = LiveMembership.Localhost)
    {
        var storage = configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        var host = configuration.GetSection("Orleans").Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        if (!string.Equals(storage.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Storage:Provider '{storage.Provider}' is not supported by this version: use Sqlite (the embedded store). Cluster mode on PostgreSQL is not built yet.");
        }

        // Memory streams are pulled: each queue's agent looks for new items on a timer (Orleans:StreamPollInterval).
        silo.AddMemoryStreams(LiveStreams.Provider, streams => streams.ConfigurePullingAgent(agent =>
            agent.Configure(o => o.GetQueueMsgsTimerPeriod = host.StreamPollInterval)));
        if (membership == LiveMembership.Localhost)
        {
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
            // Stream subscriptions of this single process: they end with it, like the dashboards' connections they serve.
            silo.AddMemoryGrainStorage(LiveStreams.PubSubStore);
        }
        else
        {
            // Memory pub-sub state lives in grains of some silo: when that silo leaves, every subscription it held is lost.
            silo.Services.AddGrainStorage(LiveStreams.PubSubStore, (sp, _) => sp.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(LiveStorage.Name));
        }

        var services = silo.Services;
        services.AddOptions<LiveOptions>().Bind(configuration.GetSection("Live")).Validate(o => o.IndexShards is >= 1 and <= 256, "Live:IndexShards must be 1 to 256.");
        services.AddOptions<LogOptions>().Bind(configuration.GetSection("Log"));
        services.TryAddKeyedSingleton<TimeProvider>(LiveTime.Key, TimeProvider.System);
        services.AddSingleton(sp => OpenStore(storage.SqlitePath, sp.GetRequiredService<IOptions<LiveOptions>>().Value));
        services.AddSingleton(sp => new SqliteWriter(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<IOptions<LogOptions>>().Value,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SqliteWriter>>()));
        services.AddSingleton<IEventLog, SqliteEventLog>();
        services.AddSingleton<IRowStore, SqliteRowStore>();
        services.AddSingleton<IAuditLog, SqliteAuditLog>();
        services.AddSingleton<IControlOutbox, SqliteControlOutbox>();
        services.AddGrainStorage(LiveStorage.Name, (sp, _) => new SqliteGrainStorage(
            sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<SqliteWriter>(), sp.GetRequiredService<Serializer>()));
        services.AddSingleton<LiveChangeDispatcher>();
        silo.AddIncomingGrainCallFilter<Diagnostics.GrainCallCounter>();
        services.AddSingleton<LiveReader>();
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<LiveOptions>>((collection, live) =>
            collection.ClassSpecificCollectionAge[typeof(SessionGrain).FullName!] = live.Value.SessionIdleTimeout);
        return silo;
    }

    /// <summary>Opens the embedded store and checks the settings that are fixed for its life.</summary>
    private static SqliteDatabase OpenStore(string path, LiveOptions options)
    {
        var database = new SqliteDatabase(path);
        var shards = options.IndexShards.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stored = database.GetOrAddMeta("index_shards", shards);
        if (stored != shards)
        {
            database.Dispose();
            throw new InvalidOperationException(
                $"The store at {database.Path} was created with Live:IndexShards={stored}; it cannot be opened with {shards}. Set it back, or start a new store.");
        }
        return database;
    }
}

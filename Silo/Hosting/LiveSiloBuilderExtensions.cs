using LiveOrleans.Grains;
using LiveOrleans.Grains.Derived;
using LiveOrleans.Grains.Ingest;
using LiveOrleans.Grains.Placement;
using LiveOrleans.Views;
using LiveOrleans.Grains.Sessions;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using LiveOrleans.Storage.Postgres;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace LiveOrleans.Hosting;

/// <summary>Who provides a LiveOrleans silo's cluster membership.</summary>
public enum LiveMembership
{
    /// <summary>
    /// From configuration: with the embedded store, one silo on localhost (stream subscriptions kept in memory, as
    /// they end with the process); on PostgreSQL, Orleans' ADO.NET clustering on the same database.
    /// </summary>
    Configured,

    /// <summary>The host configures membership (several silos, e.g. Orleans' <c>TestCluster</c>): stream subscriptions are kept in the store, so they survive a silo leaving.</summary>
    Provided,
}

/// <summary>Turns an Orleans silo into a LiveOrleans silo, in one call that the Silo executable and the Api share.</summary>
public static class LiveSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant of PostgreSQL's provider (Npgsql), for Orleans' providers.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>
    /// Registers the store (the durable log with group commit, grain snapshots, derived rows, audit, control outbox),
    /// the grains' options and clock, memory streams with their pub-sub store, and the cluster membership of the
    /// configured mode. Configuration sections: <c>Storage</c>, <c>ConnectionStrings</c>, <c>Orleans</c>, <c>Live</c>, <c>Log</c>.
    /// </summary>
    public static ISiloBuilder AddLiveOrleansSilo(this ISiloBuilder silo, IConfiguration configuration, LiveMembership membership = LiveMembership.Configured)
    {
        var storage = StorageOf(configuration);
        var host = HostOf(configuration);

        // Memory streams are pulled: each queue's agent looks for new items on a timer (Orleans:StreamPollInterval).
        silo.AddMemoryStreams(LiveStreams.Provider, streams => streams.ConfigurePullingAgent(agent =>
            agent.Configure(o => o.GetQueueMsgsTimerPeriod = host.StreamPollInterval)));
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = host.ResponseTimeout);

        var services = silo.Services;
        services.AddLiveStore(configuration);
        services.AddLiveShared(configuration);
        if (storage.IsPostgreSql)
        {
            var connectionString = OrleansConnectionStringOf(configuration);
            services.AddSingleton<PostgresWriter>();
            services.AddSingleton(sp => sp.GetRequiredService<IOptions<LogOptions>>().Value);
            services.AddSingleton<PostgresLogClock>();
            services.AddSingleton<IEventLog, PostgresEventLog>();
            services.AddSingleton<IRowStore, PostgresRowStore>();
            // Grain snapshots and stream subscriptions: Orleans' ADO.NET grain storage, in Orleans' binary serialization, ETag-checked.
            foreach (var name in new[] { LiveStorage.Name, LiveStreams.PubSubStore })
            {
                silo.AddAdoNetGrainStorage(name, options => options.Configure<Serializer>((o, serializer) =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = connectionString;
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                }));
            }
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = PostgresInvariant;
                o.ConnectionString = connectionString;
            });
            if (membership == LiveMembership.Configured)
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = host.ClusterId;
                    o.ServiceId = host.ServiceId;
                });
                silo.ConfigureEndpoints(host.AdvertisedAddress(), host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: true);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = connectionString;
                });
                silo.Configure<ClusterMembershipOptions>(ConfigureFailover);
            }
        }
        else
        {
            services.AddSingleton<IEventLog, SqliteEventLog>();
            services.AddSingleton<IRowStore, SqliteRowStore>();
            services.AddGrainStorage(LiveStorage.Name, (sp, _) => new SqliteGrainStorage(
                sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<SqliteWriter>(), sp.GetRequiredService<Serializer>()));
            if (membership == LiveMembership.Configured)
            {
                silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
                // Stream subscriptions of this single process: they end with it, like the dashboards' connections they serve.
                silo.AddMemoryGrainStorage(LiveStreams.PubSubStore);
            }
            else
            {
                // Memory pub-sub state lives in grains of some silo: when that silo leaves, every subscription it held is lost.
                services.AddGrainStorage(LiveStreams.PubSubStore, (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>(LiveStorage.Name));
            }
        }

        services.AddSingleton<LiveChangeDispatcher>();
        // One compaction of the heap after large loads (a restart of a large tenant), not one per grain.
        services.AddSingleton<HeapCompaction>();
        // A tenant's grains live together on the silo that owns the tenant (docs/cluster.md, "Placement").
        services.AddPlacementDirector<TenantPlacement, TenantPlacementDirector>();
        // When silos join or leave, the tenants this silo no longer owns move to their owner (docs/cluster.md).
        services.AddSingleton<TenantRebalancer>();
        services.AddSingleton<IActivationWorkingSetObserver>(sp => sp.GetRequiredService<TenantRebalancer>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<TenantRebalancer>());
        silo.AddIncomingGrainCallFilter<Diagnostics.GrainCallCounter>();
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<LiveOptions>>((collection, live) =>
            collection.ClassSpecificCollectionAge[typeof(SessionGrain).FullName!] = live.Value.SessionIdleTimeout);
        return silo;
    }

    /// <summary>
    /// An Orleans client of a LiveOrleans cluster on PostgreSQL (the Api with <c>Orleans:Role=Client</c>, internal
    /// services): membership from the same database, memory streams, a short response time-out.
    /// </summary>
    public static IClientBuilder AddLiveOrleansClient(this IClientBuilder client, IConfiguration configuration)
    {
        var storage = StorageOf(configuration);
        var host = HostOf(configuration);
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ServiceId;
        });
        if (storage.IsPostgreSql)
        {
            var connectionString = OrleansConnectionStringOf(configuration);
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresInvariant;
                o.ConnectionString = connectionString;
            });
        }
        else
        {
            // The embedded engine's silo, on this machine.
            client.UseLocalhostClustering(host.GatewayPort, host.ServiceId, host.ClusterId);
        }
        client.AddMemoryStreams(LiveStreams.Provider);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = host.ResponseTimeout);
        // Learn of gateways that joined or died within seconds, not the default minute.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return client;
    }

    /// <summary>
    /// Registers what any process reading the store needs, silo or not: the database (<see cref="IStoreDatabase"/>),
    /// the audit log, the control outbox, and whether its writes succeed (<see cref="StoreWriteHealth"/>).
    /// </summary>
    public static IServiceCollection AddLiveStore(this IServiceCollection services, IConfiguration configuration)
    {
        var storage = StorageOf(configuration);
        if (services.Any(d => d.ServiceType == typeof(IStoreDatabase))) return services;
        services.AddSingleton(_ => new StoreWriteHealth());
        if (storage.IsPostgreSql)
        {
            var connectionString = ConnectionStringOf(configuration);
            services.AddSingleton(sp =>
            {
                var database = new PostgresDatabase(connectionString, sp.GetRequiredService<ILogger<PostgresDatabase>>());
                CheckFixedSettings(database, sp.GetRequiredService<IOptions<LiveOptions>>().Value);
                return database;
            });
            services.AddSingleton<IStoreDatabase>(sp => sp.GetRequiredService<PostgresDatabase>());
            services.AddSingleton<PostgresSchemaFirst>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PostgresSchemaFirst>());
            services.AddSingleton<ILifecycleParticipant<IClusterClientLifecycle>>(sp => sp.GetRequiredService<PostgresSchemaFirst>());
            services.AddSingleton<IAuditLog, PostgresAuditLog>();
            services.AddSingleton<IControlOutbox, PostgresControlOutbox>();
        }
        else
        {
            services.AddSingleton(sp => OpenStore(storage.SqlitePath, sp.GetRequiredService<IOptions<LiveOptions>>().Value));
            services.AddSingleton<IStoreDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
            services.AddSingleton(sp => new SqliteWriter(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<IOptions<LogOptions>>().Value,
                sp.GetRequiredService<ILogger<SqliteWriter>>(), sp.GetRequiredService<StoreWriteHealth>()));
            services.AddSingleton<IAuditLog, SqliteAuditLog>();
            services.AddSingleton<IControlOutbox, SqliteControlOutbox>();
        }
        return services;
    }

    /// <summary>The grains' options and clock and the live reader, which silos and Orleans clients share.</summary>
    public static IServiceCollection AddLiveShared(this IServiceCollection services, IConfiguration configuration)
    {
        // Checked when the host starts: a bad setting stops it with a message naming the key (docs/configuration.md).
        services.AddOptions<LiveOptions>().Bind(configuration.GetSection("Live")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LiveOptions>, LiveOptionsValidator>());
        services.AddOptions<LogOptions>().Bind(configuration.GetSection("Log")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LogOptions>, LogOptionsValidator>());
        services.TryAddKeyedSingleton<TimeProvider>(LiveTime.Key, TimeProvider.System);
        services.TryAddSingleton<LiveReader>();
        return services;
    }

    /// <summary>
    /// Entries this process's log writer holds that are not durable yet: 0 in a process that runs no silo (an Orleans
    /// client). For hosts that must not see the grains' storage types.
    /// </summary>
    public static int PendingLogEntries(this IServiceProvider services) => services.GetService<IEventLog>()?.PendingEntries ?? 0;

    /// <summary>
    /// Failure detection tightened so a dead silo is declared dead in about a second (measured: ~1 s with these,
    /// 10–14 s with Orleans' defaults): probes time out after 1 s, two missed probes make a suspicion, votes count
    /// for 10 s, and the table is re-read every 5 s.
    /// </summary>
    public static void ConfigureFailover(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
    }

    private static StorageOptions StorageOf(IConfiguration configuration)
    {
        // Read before the container exists (it decides what is registered), so checked here rather than at start.
        return LiveOptionsValidation.Checked(configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions(), new StorageOptionsValidator());
    }

    /// <summary>Section <c>Orleans</c>, bound and checked (a bad value stops the caller naming the key).</summary>
    public static OrleansHostOptions HostOf(IConfiguration configuration)
    {
        return LiveOptionsValidation.Checked(configuration.GetSection("Orleans").Get<OrleansHostOptions>() ?? new OrleansHostOptions(), new OrleansHostOptionsValidator());
    }

    private static string ConnectionStringOf(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("PostgreSql");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Storage:Provider is PostgreSql but ConnectionStrings:PostgreSql is empty: set it (e.g. ConnectionStrings__PostgreSql=\"Host=db;Port=5432;Username=liveorleans;Password=…;Database=liveorleans\").");
        }
        return connectionString;
    }

    /// <summary>The connection string of Orleans' ADO.NET providers (a pool of their own, capped).</summary>
    private static string OrleansConnectionStringOf(IConfiguration configuration) => PostgresDatabase.ForOrleans(ConnectionStringOf(configuration));

    /// <summary>Opens the embedded store and checks the settings that are fixed for its life.</summary>
    private static SqliteDatabase OpenStore(string path, LiveOptions options)
    {
        var database = new SqliteDatabase(path);
        try
        {
            CheckFixedSettings(database, options);
        }
        catch
        {
            database.Dispose();
            throw;
        }
        return database;
    }

    /// <summary>Settings fixed for the life of a store (the first process to open it writes them; the others must agree).</summary>
    private static void CheckFixedSettings(IStoreDatabase database, LiveOptions options)
    {
        var shards = options.IndexShards.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stored = database.GetOrAddMeta("index_shards", shards);
        if (stored != shards)
        {
            throw new InvalidOperationException(
                $"The store ({database.Description}) was created with Live:IndexShards={stored}; it cannot be opened with {shards}. Set it back, or start a new store.");
        }
    }
}

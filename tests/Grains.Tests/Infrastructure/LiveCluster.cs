using LiveOrleans.Views;
using LiveOrleans.Hosting;
using LiveOrleans.Live;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace LiveOrleans.Grains.Tests.Infrastructure;

/// <summary>
/// A real Orleans cluster of two silos (or as many as asked) (Orleans' <c>TestCluster</c>, in this process) running the LiveOrleans silo
/// configuration on one SQLite store, with a client. Dispose it to stop it and delete the store.
/// </summary>
public sealed class LiveCluster : IAsyncDisposable
{
    private readonly string _directory;

    private LiveCluster(TestCluster cluster, string directory)
    {
        Cluster = cluster;
        _directory = directory;
        Reader = new LiveReader(cluster.Client, Options.Create(new LiveOptions()), TimeProvider.System);
    }

    public TestCluster Cluster { get; }

    /// <summary>
    /// The clock of the silos of clusters started with <c>Test:Clock = shared</c> (one for the process: the silos run in
    /// it). Only one test class uses it, and a class's tests run one at a time.
    /// </summary>
    public static Microsoft.Extensions.Time.Testing.FakeTimeProvider SharedClock { get; } = new();

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The live queries, as the Api answers them.</summary>
    public LiveReader Reader { get; }

    /// <param name="settings">Configuration of the silos (e.g. <c>Live:SnapshotInterval</c>).</param>
    /// <param name="silos">How many silos to start.</param>
    public static async Task<LiveCluster> StartAsync(IDictionary<string, string?>? settings = null, short silos = 2)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lo-cluster-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var builder = new TestClusterBuilder(silos);
        builder.Properties["Storage:SqlitePath"] = Path.Combine(directory, "live.db");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.Properties[key] = value;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new LiveCluster(cluster, directory);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            // The test clock, when a test asks for it: registered before the silo's own, which is added only when none is.
            if (siloBuilder.Configuration["Test:Clock"] == "shared") siloBuilder.Services.AddKeyedSingleton<TimeProvider>(LiveTime.Key, SharedClock);
            siloBuilder.AddLiveOrleansSilo(siloBuilder.Configuration, LiveMembership.Provided);
            if (siloBuilder.Configuration["Test:FactsFaults"] == "on") siloBuilder.AddIncomingGrainCallFilter<FactsFaults>();
            if (siloBuilder.Configuration["Streams:InactivityPeriod"] is { } inactivity)
            {
                siloBuilder.Services.AddOptions<StreamPullingAgentOptions>(LiveStreams.Provider).Configure(o => o.StreamInactivityPeriod = TimeSpan.Parse(inactivity, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddMemoryStreams(LiveStreams.Provider);
    }

    /// <summary>Creates a tenant's settings, as the Api does when it creates a tenant.</summary>
    public Task ConfigureTenantAsync(string tenant, string timeZone = "UTC")
        => Grains.GetGrain<ITenantGrain>(tenant).Configure(new TenantSettingsUpdate(tenant, timeZone, null));

    public Task<IngestResult> IngestAsync(string tenant, params LiveEvent[] events) => Grains.GetGrain<IIngestGrain>(tenant).Ingest(events);

    /// <summary>The silo an activation of the grain lives on, as the grain directory says (it may answer from a cache).</summary>
    public async Task<SiloAddress?> SiloOfAsync(IAddressable grain)
        => await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    /// <summary>Activations of a grain class in the silos' catalogs now.</summary>
    public async Task<int> ActivationsOfAsync<TGrain>()
        => (await Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains(typeof(TGrain).Name, StringComparison.Ordinal)).Sum(s => s.ActivationCount);

    /// <summary>
    /// Kills a silo as a crash does: its store writer is closed first, so nothing it held in memory reaches the disk
    /// (an in-process kill would otherwise still let its grains write their snapshots as they go).
    /// </summary>
    public async Task CrashAsync(SiloHandle silo)
    {
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<LiveOrleans.Storage.Sqlite.SqliteWriter>().Dispose();
        await Cluster.KillSiloAsync(silo);
    }

    /// <summary>A silo's own grain factory: calls made through it start in that silo, so new grains are placed there first.</summary>
    public IGrainFactory GrainsOf(SiloHandle silo)
        => ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<IGrainFactory>();

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// Session grains' answers to <see cref="ISessionGrain.GetFacts"/>, watched and failed on demand (silos started with
/// <c>Test:FactsFaults=on</c>): every call is recorded with its caller, and the calls to <see cref="FailFor"/> throw.
/// </summary>
public sealed class FactsFaults : IIncomingGrainCallFilter
{
    /// <summary>The session grain key (<c>{tenant}/{session}</c>) whose facts fail; null: none.</summary>
    public static volatile string? FailFor;

    public static readonly System.Collections.Concurrent.ConcurrentQueue<(GrainId? Caller, string Session)> Asked = new();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.MethodName == nameof(ISessionGrain.GetFacts))
        {
            var session = context.TargetId.Key.ToString()!;
            Asked.Enqueue((context.SourceId, session));
            if (session == FailFor) throw new InvalidOperationException($"Facts of {session} fail (a test's fault).");
        }
        await context.Invoke();
    }
}

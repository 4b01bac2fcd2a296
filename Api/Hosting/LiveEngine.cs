using LiveOrleans.Grains;
using LiveOrleans.Runtime;
using LiveOrleans.Runtime.Sqlite;

namespace LiveOrleans.Api.Hosting;

/// <summary>
/// The silo hosted in the Api process (embedded mode): SQLite log and grain storage in one file, the
/// LiveOrleans grains, and the typed operations the endpoints use.
/// </summary>
public sealed class LiveEngine : IHostedService, IAsyncDisposable
{
    private readonly Silo _silo;

    public LiveEngine(SqliteDatabase database, SiloOptions siloOptions, LiveOptions liveOptions, TimeProvider time, ILoggerFactory loggers,
        Live.LiveNotificationQueue notifications)
    {
        var stored = database.GetOrAddMeta("partitions", siloOptions.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (stored != siloOptions.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException(
                $"The store at {database.Path} was created with Runtime:Partitions={stored}; it cannot be opened with {siloOptions.Partitions}.");
        }
        Options = liveOptions;
        Queries = new LiveQueries(liveOptions);
        _silo = new Silo(new SqliteEventLogStore(database), new SqliteGrainStorage(database), LiveEventRouter.GrainTypes(),
            new LiveEventRouter(liveOptions), siloOptions, time, loggers, notifications);
    }

    public LiveOptions Options { get; }

    public LiveQueries Queries { get; }

    public Silo Silo => _silo;

    public Task StartAsync(CancellationToken cancellationToken) => _silo.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await _silo.DisposeAsync();

    public ValueTask DisposeAsync() => _silo.DisposeAsync();

    /// <summary>Runs a live query as a turn of the tenant's partition.</summary>
    public Task<T> QueryAsync<T>(string tenant, Func<LiveQueries, IGrainFactory, T> query)
        => _silo.QueryAsync(tenant, grains => query(Queries, grains));

    /// <summary>Appends a command through the log and waits until it is durable and applied.</summary>
    public Task CommandAsync(string tenant, TenantCommand command)
        => _silo.AppendAsync(tenant, [LiveEventRouter.ToLog(tenant, command)]);
}

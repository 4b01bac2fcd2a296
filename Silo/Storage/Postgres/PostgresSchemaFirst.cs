using Microsoft.Extensions.DependencyInjection;

namespace LiveOrleans.Storage.Postgres;

/// <summary>
/// Opens the PostgreSQL store — creating its tables, Orleans' included — before anything of Orleans starts: its
/// membership, reminders and grain storage read those tables from their first step, in a silo and in a client alike.
/// </summary>
internal sealed class PostgresSchemaFirst(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>, ILifecycleParticipant<IClusterClientLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(PostgresSchemaFirst), ServiceLifecycleStage.First, Open);

    public void Participate(IClusterClientLifecycle lifecycle) => lifecycle.Subscribe(nameof(PostgresSchemaFirst), ServiceLifecycleStage.First, Open);

    private Task Open(CancellationToken cancellationToken) => Task.Run(() => services.GetRequiredService<PostgresDatabase>(), cancellationToken);
}

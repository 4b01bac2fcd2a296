using LiveOrleans.Runtime.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveOrleans.Runtime.Tests;

/// <summary>Builds silos over shared stores, so a test can "restart" by building another one.</summary>
public sealed class SiloHarness
{
    public IEventLogStore Log { get; init; } = new InMemoryEventLogStore();
    public IGrainStorage Storage { get; init; } = new InMemoryGrainStorage();
    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    public SiloOptions Options { get; init; } = new() { Partitions = 8, CheckpointInterval = TimeSpan.FromHours(1), TimerTick = TimeSpan.FromMilliseconds(20) };

    public async Task<Silo> StartAsync()
    {
        var silo = new Silo(Log, Storage, new GrainTypes().Add<CounterGrain>(), new CounterRouter(), Options, Time, NullLoggerFactory.Instance);
        await silo.StartAsync();
        return silo;
    }

    public static Task<CounterGrain.CounterState> ReadAsync(Silo silo, string tenant, string key) => silo.QueryAsync(tenant, g =>
    {
        var grain = g.FindGrain<CounterGrain>(tenant, key);
        return new CounterGrain.CounterState { Count = grain?.Count ?? 0, Payloads = [.. grain?.Payloads ?? []] };
    });
}

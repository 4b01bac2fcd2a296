using System.Diagnostics;
using LiveOrleans.Simulator;

namespace LiveOrleans.Bench;

/// <summary>
/// Live-query latency while events flow at a steady rate (open loop: batches leave on schedule whether or not
/// earlier ones were answered, so slow answers are not hidden).
/// </summary>
public static class QueryLatencyBenchmark
{
    public const int EventsPerSecond = 5_000;
    public const int Seed = 7;

    public static readonly string[] Queries =
    [
        "/api/v1/live/summary", "/api/v1/live/hourly", "/api/v1/live/agents", "/api/v1/live/metrics",
        "/api/v1/live/sessions?limit=50", "/api/v1/live/sessions?limit=50&channels=whatsapp&q=order",
    ];

    public static async Task<IReadOnlyDictionary<string, (double P50, double P99)>> RunAsync(EngineBuild build, int seconds)
    {
        await using var engine = await EngineProcess.StartAsync(build);
        // The load is spread over the bootstrap tenant (whose views are read) and the tenants beside it.
        using var reader = await engine.ReaderAsync();
        var keys = new[] { EngineProcess.Key }.Concat(await engine.CreateTenantsAsync(IngestBenchmark.Tenants - 1)).ToArray();
        var model = new TrafficModel(Seed, keys.Select((_, i) => new SimulatedTenant($"q{i}", "UTC")).ToArray(), DateTimeOffset.UtcNow, sessionsPerMinute: 600);
        var clock = Stopwatch.StartNew();
        var warmUp = TimeSpan.FromSeconds(IngestBenchmark.WarmUpSeconds);
        var duration = warmUp + TimeSpan.FromSeconds(seconds);
        using var producerClient = new HttpClient { BaseAddress = engine.Address };
        var load = new SimulationRunner(producerClient, keys, model).RunAtRateAsync(EventsPerSecond, duration);
        // The queries are sampled too while warming up (their code warms as well), then measured.
        await SampleAsync(reader, Queries, () => clock.Elapsed < warmUp, TimeSpan.Zero);
        var samples = await SampleAsync(reader, Queries, () => clock.Elapsed < duration, TimeSpan.Zero);
        var report = await load;
        Console.WriteLine($"  [{build.Label}] query load: {report}");
        return samples;
    }

    /// <summary>Each query in turn, again and again while <paramref name="go"/>; latency at the client.</summary>
    public static async Task<IReadOnlyDictionary<string, (double P50, double P99)>> SampleAsync(HttpClient reader, IReadOnlyList<string> queries, Func<bool> go, TimeSpan warmUp)
    {
        await Task.Delay(warmUp);
        var samples = queries.ToDictionary(q => q, _ => new List<double>());
        while (go())
        {
            foreach (var query in queries)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await reader.GetAsync(query);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
                samples[query].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds); if (Environment.GetEnvironmentVariable("BENCH_TRACE") is not null) Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {query} {samples[query][^1]:F0} ms");
            }
            await Task.Delay(20);
        }
        return samples.ToDictionary(s => s.Key, s => (Machine.Percentile(s.Value, 0.5), Machine.Percentile(s.Value, 0.99)));
    }

    public static string Describe() => $"while the simulator's load mode sends {EventsPerSecond:N0} events/s over {IngestBenchmark.Tenants} tenants (seed {Seed}, open loop), after {IngestBenchmark.WarmUpSeconds} s of the same warming up";
}

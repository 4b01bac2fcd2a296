using System.Diagnostics;
using LiveOrleans.Simulator;

namespace LiveOrleans.Bench;

/// <summary>
/// Live-query latency while events flow at a steady rate (open loop: batches leave on schedule whether or not
/// earlier ones were answered, so slow answers are not hidden).
/// </summary>
public static class QueryLatencyBenchmark
{
    public const int EventsPerSecond = 10_000;
    public const int Seed = 7;
    private static readonly string[] Queries =
    [
        "/api/v1/live/summary", "/api/v1/live/hourly", "/api/v1/live/agents", "/api/v1/live/metrics",
        "/api/v1/live/sessions?limit=50", "/api/v1/live/sessions?limit=50&channels=whatsapp&q=order",
    ];

    public static async Task RunAsync(int seconds, int runs)
    {
        var p50s = new Dictionary<string, List<double>>();
        var p99s = new Dictionary<string, List<double>>();
        for (var run = 0; run < runs; run++)
        {
            await using var engine = await BenchEngine.StartAsync();
            // The load is spread over the bootstrap tenant (whose views are read) and the tenants beside it.
            using var reader = await engine.ReaderAsync();
            var keys = new[] { BenchEngine.Key }.Concat(await engine.CreateTenantsAsync(IngestBenchmark.Tenants - 1)).ToArray();
            var model = new TrafficModel(Seed, keys.Select((_, i) => new SimulatedTenant($"q{i}", "UTC")).ToArray(), DateTimeOffset.UtcNow, sessionsPerMinute: 600);
            var clock = Stopwatch.StartNew();
            var duration = TimeSpan.FromSeconds(seconds);
            using var producerClient = new HttpClient { BaseAddress = engine.Address };
            var load = new SimulationRunner(producerClient, keys, model).RunAtRateAsync(EventsPerSecond, duration);
            var samples = Queries.ToDictionary(q => q, _ => new List<double>());
            await Task.Delay(TimeSpan.FromSeconds(2));
            while (clock.Elapsed < duration)
            {
                foreach (var query in Queries)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await reader.GetAsync(query);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsByteArrayAsync();
                    samples[query].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                await Task.Delay(20);
            }
            var report = await load;
            Console.WriteLine($"query run {run + 1} load (simulator seed {Seed}, open loop at {EventsPerSecond:N0}/s): {report}");
            foreach (var (query, values) in samples)
            {
                (p50s.TryGetValue(query, out var a) ? a : p50s[query] = []).Add(Machine.Percentile(values, 0.5));
                (p99s.TryGetValue(query, out var b) ? b : p99s[query] = []).Add(Machine.Percentile(values, 0.99));
            }
            Console.WriteLine($"query run {run + 1}: {string.Join("; ", samples.Select(s => $"{s.Key} p50 {Machine.Percentile(s.Value, 0.5):F2} ms p99 {Machine.Percentile(s.Value, 0.99):F2} ms"))}");
        }
        foreach (var query in Queries)
        {
            Console.WriteLine($"RESULT query {query}: p50 {Machine.Median(p50s[query]):F2} ms, p99 {Machine.Median(p99s[query]):F2} ms (median of {runs} runs, while the simulator's load mode sends {EventsPerSecond:N0} events/s over {IngestBenchmark.Tenants} tenants, seed {Seed})");
        }
    }
}

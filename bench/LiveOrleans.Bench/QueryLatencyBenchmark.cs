using System.Diagnostics;
using System.Net.Http.Headers;

namespace LiveOrleans.Bench;

/// <summary>
/// Live-query latency while events flow at a steady rate (open loop: batches leave on schedule whether or not
/// earlier ones were answered, so slow answers are not hidden).
/// </summary>
public static class QueryLatencyBenchmark
{
    public const int EventsPerSecond = 10_000;
    public const int BatchSize = 200;
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
            var producers = new[] { engine.Producer() }.Concat((await engine.CreateTenantsAsync(IngestBenchmark.Tenants - 1)).Select(engine.Producer)).ToArray();
            using var reader = await engine.ReaderAsync();
            var workloads = producers.Select((_, i) => new Workload(i, seed: 7)).ToArray();
            var clock = Stopwatch.StartNew();
            var duration = TimeSpan.FromSeconds(seconds);
            var interval = TimeSpan.FromSeconds((double)BatchSize / EventsPerSecond);
            var inFlight = new List<Task>();
            var load = Task.Run(async () =>
            {
                for (var n = 0; clock.Elapsed < duration; n++)
                {
                    var due = interval * n;
                    if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                    var content = new ByteArrayContent(workloads[n % producers.Length].NextBatch(BatchSize, DateTimeOffset.UtcNow));
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    inFlight.Add(producers[n % producers.Length].PostAsync("/api/v1/events", content));
                }
            });
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
            await load;
            await Task.WhenAll(inFlight);
            foreach (var producer in producers) producer.Dispose();
            foreach (var (query, values) in samples)
            {
                (p50s.TryGetValue(query, out var a) ? a : p50s[query] = []).Add(Machine.Percentile(values, 0.5));
                (p99s.TryGetValue(query, out var b) ? b : p99s[query] = []).Add(Machine.Percentile(values, 0.99));
            }
            Console.WriteLine($"query run {run + 1}: {string.Join("; ", samples.Select(s => $"{s.Key} p50 {Machine.Percentile(s.Value, 0.5):F2} ms p99 {Machine.Percentile(s.Value, 0.99):F2} ms"))}");
        }
        foreach (var query in Queries)
        {
            Console.WriteLine($"RESULT query {query}: p50 {Machine.Median(p50s[query]):F2} ms, p99 {Machine.Median(p99s[query]):F2} ms (median of {runs} runs, while ingesting {EventsPerSecond:N0} events/s over {IngestBenchmark.Tenants} tenants)");
        }
    }
}

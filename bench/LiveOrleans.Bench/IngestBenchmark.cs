using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using LiveOrleans.Simulator;

namespace LiveOrleans.Bench;

/// <summary>
/// Sustained ingest with durable acknowledgements: closed-loop senders post batches over loopback HTTP; an
/// event counts once its 202 arrived (it is on disk and applied).
/// </summary>
public static class IngestBenchmark
{
    public const int Senders = 16;
    public const int BatchSize = 500;
    public const int Tenants = 8;
    public const int Seed = 1;

    /// <summary>The next events of a simulator model as one request body, stamped now (the load mode's way).</summary>
    public static byte[] Batch(TrafficModel model, int size)
    {
        var now = DateTimeOffset.UtcNow;
        var events = model.Take(size).Select(e => e.Event with { Timestamp = now }).ToArray();
        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { events }, LiveJson.Options);
    }

    public static async Task RunAsync(int seconds, int runs)
    {
        var rates = new List<double>();
        var p99s = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            await using var engine = await BenchEngine.StartAsync();
            var clients = (await engine.CreateTenantsAsync(Tenants)).Select(engine.Producer).ToArray();
            var latencies = new List<double>[Senders];
            var acked = 0L;
            var errors = 0L;
            var stop = Stopwatch.StartNew();
            var warmUp = TimeSpan.FromSeconds(2);
            var measureFrom = TimeSpan.Zero;
            var tasks = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                var model = new TrafficModel(Seed + sender, [new SimulatedTenant($"sender{sender}", "UTC")], DateTimeOffset.UtcNow, sessionsPerMinute: 600);
                var client = clients[sender % Tenants];
                var mine = latencies[sender] = [];
                while (stop.Elapsed < warmUp + TimeSpan.FromSeconds(seconds))
                {
                    using var content = new ByteArrayContent(Batch(model, BatchSize));
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    var started = stop.Elapsed;
                    using var response = await client.PostAsync("/api/v1/events", content);
                    if (response.StatusCode != HttpStatusCode.Accepted) { Interlocked.Increment(ref errors); continue; }
                    if (started < warmUp) continue;
                    Interlocked.Add(ref acked, BatchSize);
                    mine.Add((stop.Elapsed - started).TotalMilliseconds);
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            var rate = acked / (stop.Elapsed - warmUp).TotalSeconds;
            var all = latencies.SelectMany(l => l).ToList();
            rates.Add(rate);
            p99s.Add(Machine.Percentile(all, 0.99));
            foreach (var c in clients) c.Dispose();
            Console.WriteLine($"ingest run {run + 1}: {rate:N0} events/s acknowledged, batch ack p50 {Machine.Percentile(all, 0.5):F1} ms, p99 {p99s[^1]:F1} ms, errors {errors}");
        }
        Console.WriteLine($"RESULT ingest: median {Machine.Median(rates):N0} events/s, batch ack p99 median {Machine.Median(p99s):F1} ms over {runs} runs ({Tenants} tenants, {Senders} senders x {BatchSize}-event batches of simulator traffic, seeds {Seed}..{Seed + Senders - 1}, {seconds} s each after 2 s warm-up)");
    }
}

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
    /// <summary>Closed-loop senders (16 by default; <c>--senders</c>).</summary>
    public static int Senders { get; set; } = 16;
    /// <summary>Events per request (500 by default; the load mode sends a few dozen).</summary>
    public static int BatchSize { get; set; } = 500;
    /// <summary>Tenants the senders take turns over (8 by default; <c>--tenants</c>).</summary>
    public static int Tenants { get; set; } = 8;
    public const int Seed = 1;

    /// <summary>The next events of a simulator model as one request body, stamped <paramref name="at"/> (default now: the load mode's way).</summary>
    public static byte[] Batch(TrafficModel model, int size, DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        var events = model.Take(size).Select(e => e.Event with { Timestamp = now }).ToArray();
        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { events }, LiveJson.Options);
    }

    /// <summary>Events made ahead for all senders (<c>--preencoded N</c>; 0 makes every body as it is sent, the way before 2026-12-07).</summary>
    public static int PreencodedEvents { get; set; } = 2_000_000;

    private static PreencodedTraffic? _traffic;

    /// <param name="Refused">429 answers: the sender waited as <c>Retry-After</c> said and sent the same batch again.</param>
    /// <param name="EngineCores">The engine's CPU over the measured window, in cores (in cluster mode every process: the Api, the silos and the PostgreSQL server).</param>
    /// <param name="HarnessCores">This load generator's CPU over the window, in cores.</param>
    /// <param name="ThrottledShare">With CPU quotas: the share of the window's scheduler periods in which a confined process was throttled.</param>
    /// <param name="CoresByProcess">The engine's CPU over the window by process (api, silo1 …, postgres), in cores.</param>
    public sealed record Result(double EventsPerSecond, double BatchP50, double BatchP99, long Errors, long Refused = 0, double EngineCores = 0, double HarnessCores = 0, double ThrottledShare = 0,
        IReadOnlyList<(string Name, double Cores)>? CoresByProcess = null);

    /// <summary>Seconds of traffic before the measured window (the JIT's tiering and dynamic PGO settle meanwhile).</summary>
    public static int WarmUpSeconds { get; set; } = 20;

    public static async Task<Result> RunAsync(EngineBuild build, int seconds)
    {
        _traffic ??= PreencodedTraffic.Make(Senders, BatchSize, PreencodedEvents);
        _traffic.Rewind();
        await using var engine = await EngineProcess.StartAsync(build);
        var clients = (await engine.CreateTenantsAsync(Tenants)).Select(k => engine.Producer(k)).ToArray();
        var latencies = new List<double>[Senders];
        var acked = 0L;
        var errors = 0L;
        var refused = 0L;
        var stop = Stopwatch.StartNew();
        (IReadOnlyList<(string Name, TimeSpan Time)> Engine, TimeSpan Harness, TimeSpan At, (long Periods, long Throttled) Throttling)? engineCpu0 = null;
        var warmUp = TimeSpan.FromSeconds(WarmUpSeconds);
        var tasks = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
        {
            var client = clients[sender % Tenants];
            var mine = latencies[sender] = [];
            byte[]? retry = null;
            while (stop.Elapsed < warmUp + TimeSpan.FromSeconds(seconds))
            {
                var body = retry ?? _traffic.Take(sender, BatchSize);
                retry = null;
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var started = stop.Elapsed;
                using var response = await client.PostAsync("/api/v1/events", content);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    // As a producer does: wait as told, then the same batch again (its ids make a repeat harmless).
                    if (started >= warmUp) Interlocked.Increment(ref refused);
                    retry = body;
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.Accepted) { Interlocked.Increment(ref errors); continue; }
                if (started < warmUp) continue;
                if (engineCpu0 is null) lock (latencies) engineCpu0 ??= (engine.CpuTimes(), Environment.CpuUsage.TotalTime, stop.Elapsed, engine.Throttling());
                Interlocked.Add(ref acked, BatchSize);
                mine.Add((stop.Elapsed - started).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var byProcess = engineCpu0 is { } c0
            ? engine.CpuTimes().Zip(c0.Engine, (now, then) => (now.Name, Cores: (now.Time - then.Time) / (stop.Elapsed - c0.At))).ToList()
            : [];
        var engineCores = byProcess.Sum(p => p.Cores);
        var harnessCores = engineCpu0 is { } h0 ? (Environment.CpuUsage.TotalTime - h0.Harness) / (stop.Elapsed - h0.At) : 0.0;
        var throttled = engineCpu0 is { } t0 && engine.Throttling() is var t1 && t1.Periods > t0.Throttling.Periods
            ? (double)(t1.Throttled - t0.Throttling.Throttled) / (t1.Periods - t0.Throttling.Periods)
            : 0;
        var rate = acked / (stop.Elapsed - warmUp).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToList();
        foreach (var c in clients) c.Dispose();
        return new Result(rate, Machine.Percentile(all, 0.5), Machine.Percentile(all, 0.99), errors, refused, engineCores, harnessCores, throttled, byProcess);
    }

    public static string Describe(int seconds)
        => $"{Tenants} tenants, {Senders} closed-loop senders x {BatchSize}-event batches of simulator traffic (seeds {Seed}..{Seed + Senders - 1}), {seconds} s after {WarmUpSeconds} s of warm-up; "
           + (PreencodedEvents > 0 ? $"bodies made before the runs ({PreencodedEvents:N0} events, stamped as sent; {_traffic?.MadeLive ?? 0:N0} made during runs)" : "bodies made as sent");
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveOrleans.Bench;

/// <summary>
/// Many live sessions in one tenant (the scale benchmark of issue 19): resident memory per live session while they
/// are active and after a restart (each also after a forced full GC), the graceful stop, the seconds from the
/// restarted process's launch until every live query answers with the live count it answered before the stop (capped:
/// "not ready" instead of hanging), and each live query's and <c>Subscribe</c>'s latency with every session live
/// (after the restart, or before the stop with <see cref="QueriesBeforeStop"/>). See bench/README.md.
/// </summary>
public static class SessionsBenchmark
{
    private const int SessionsPerBatch = 500;
    private const int Senders = 8;

    /// <summary>How long the restart may take until every live query answered (<c>--ready-cap</c>).</summary>
    public static TimeSpan ReadyCap { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>A restart whose process grows past this is given up on at once (<c>--max-rss-gb</c>): the machine is shared.</summary>
    public static long MaxRestartBytes { get; set; } = 18_000_000_000;

    /// <summary>
    /// Whether the queries are measured before the stop (<c>--queries-before-stop</c>; the stop then comes minutes after
    /// the load, when most session grains were collected) rather than after the restart (the default: the engine is
    /// stopped right after the load, its session grains active, as a deploy during traffic would; no figures when the
    /// restart never became ready).
    /// </summary>
    public static bool QueriesBeforeStop { get; set; }

    /// <summary>A query or <c>Subscribe</c> taking longer counts as failed (and as this long).</summary>
    public static TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Rounds of queries at least, however long they take (a p99 of fewer samples is their maximum).</summary>
    public static int MinRounds { get; set; } = 20;

    private static readonly string[] Channels = ["web", "whatsapp", "sms", "email", "telegram", "messenger"];
    private static readonly string[] Teams = ["sales", "support", "billing", "onboarding", "retention", "vip"];
    private static readonly string[] Topics =
    [
        "a refund for my last order", "the invoice I received twice", "a delivery that never arrived", "resetting my password",
        "upgrading my plan", "cancelling my subscription", "a damaged parcel", "changing my shipping address",
    ];
    private const int Agents = 40;

    /// <summary>The live queries measured: a name and the request (the cursor page is filled in once the sessions are there).</summary>
    public static readonly (string Name, string Path)[] Queries =
    [
        ("summary", "/api/v1/live/summary"),
        ("hourly", "/api/v1/live/hourly"),
        ("agents", "/api/v1/live/agents"),
        ("metrics bar", "/api/v1/live/metrics"),
        ("metrics bar, channel+team", "/api/v1/live/metrics?channels=whatsapp&teams=billing"),
        ("cards, first page", "/api/v1/live/sessions?limit=50"),
        ("cards, channel", "/api/v1/live/sessions?limit=50&channels=whatsapp"),
        ("cards, team+priority", "/api/v1/live/sessions?limit=50&teams=billing&priorities=high,urgent"),
        ("cards, page 11 by cursor", "/api/v1/live/sessions?limit=50&cursor="),
        ("cards, q=refund", "/api/v1/live/sessions?limit=50&q=refund"),
        ("cards, minDurationSec=600", "/api/v1/live/sessions?limit=50&minDurationSec=600"),
        ("activity", "/api/v1/activity?limit=50"),
    ];

    /// <summary><c>Subscribe</c> on a freshly connected hub: until its snapshot arrived.</summary>
    private static readonly (string Name, object Filter)[] Subscriptions =
    [
        ("Subscribe {}", new { }),
        ("Subscribe channel+priority", new { channels = new[] { "whatsapp" }, priorities = new[] { "high", "urgent" } }),
    ];

    /// <summary>The figures of one run; per-session figures divide the growth of RSS since before the load by the sessions loaded.</summary>
    /// <param name="ReadyBy">Seconds from the restarted process's launch until each live query first answered as expected (null: never within the cap).</param>
    public sealed record Result(
        int Sessions,
        int Listed,
        TimeSpan Load,
        double ActiveBytesPerSession,
        double ActiveAfterGcBytesPerSession,
        TimeSpan Stop,
        bool StoppedGracefully,
        TimeSpan? Ready,
        IReadOnlyDictionary<string, double?> ReadyBy,
        double RestartedBytesPerSession,
        double? RestartedAfterGcBytesPerSession,
        long PeakRestartBytes,
        IReadOnlyDictionary<string, (double P50, double P99)> Queries,
        IReadOnlyDictionary<string, (int Samples, int Failed)> QueryCounts)
    {
        public string ReadyText => Ready is { } r ? $"{r.TotalSeconds:F1} s" : $"not ready after {ReadyCap.TotalSeconds:F0} s";
    }

    public static async Task<Result> RunAsync(EngineBuild build, int sessions, int querySeconds)
    {
        // The per-tenant cap is lifted: the benchmark is about a tenant of this size.
        await using var engine = await EngineProcess.StartAsync(build, new Dictionary<string, string> { ["Live__MaxLiveSessionsPerTenant"] = "0" });
        using var producer = engine.Producer();
        var clock = DateTimeOffset.UtcNow;
        await PostAsync(producer, clock, 0, 1); // s0, posted again (as duplicates) with the rest
        await Task.Delay(2000);
        await engine.CollectGarbageAsync();
        var baseline = engine.ResidentBytes();
        Log(build, $"engine pid {engine.ProcessId}, {baseline / 1e6:F0} MB resident before the load (after a full GC)");

        var loading = Stopwatch.StartNew();
        var next = 0;
        var progress = 0;
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var from = Interlocked.Add(ref next, SessionsPerBatch) - SessionsPerBatch;
                if (from >= sessions) return;
                await PostAsync(producer, clock, from, Math.Min(SessionsPerBatch, sessions - from));
                var done = Interlocked.Add(ref progress, Math.Min(SessionsPerBatch, sessions - from));
                if (done % 100_000 < SessionsPerBatch) Log(build, $"{done:N0} sessions loaded in {loading.Elapsed.TotalSeconds:F0} s, {engine.ResidentBytes() / 1e6:F0} MB resident");
            }
        })).ToArray();
        await Task.WhenAll(senders);
        var load = loading.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(5));
        var active = engine.ResidentBytes();
        Log(build, $"{sessions:N0} sessions ({2 * sessions:N0} events) loaded in {load.TotalSeconds:F1} s; {active / 1e6:F0} MB resident");

        await engine.CollectGarbageAsync();
        var activeAfterGc = engine.ResidentBytes();
        Log(build, $"{activeAfterGc / 1e6:F0} MB resident after a full GC");

        Dictionary<string, long> expected = [];
        IReadOnlyDictionary<string, (double P50, double P99)> latencies = new Dictionary<string, (double, double)>();
        IReadOnlyDictionary<string, (int Samples, int Failed)> counts = new Dictionary<string, (int, int)>();
        var queries = Queries.ToList();
        string day;
        using (var reader = await engine.ReaderAsync())
        {
            foreach (var (name, path) in Queries.Where(q => !q.Path.EndsWith("cursor=", StringComparison.Ordinal)))
            {
                if (Count(name, await reader.GetFromJsonAsync(path)) is { } count) expected[name] = count;
            }
            day = (await reader.GetFromJsonAsync("/api/v1/live/summary")).GetProperty("day").GetString()!;
            Log(build, "live counts before the stop: " + string.Join(", ", expected.Select(e => $"{e.Key} {e.Value:N0}")));
            if (expected["cards, first page"] != sessions) Log(build, $"expected {sessions:N0} live sessions, the engine lists {expected["cards, first page"]:N0}");
            queries[queries.FindIndex(q => q.Path.EndsWith("cursor=", StringComparison.Ordinal))] = ("cards, page 11 by cursor", "/api/v1/live/sessions?limit=50&cursor=" + Uri.EscapeDataString(await CursorAsync(reader, pages: 10)));
            if (QueriesBeforeStop)
            {
                (latencies, counts) = await SampleAsync(build, engine, reader, queries, TimeSpan.FromSeconds(querySeconds));
                Log(build, $"{engine.ResidentBytes() / 1e6:F0} MB resident after the queries");
            }
        }

        var stopping = Stopwatch.StartNew();
        var graceful = await engine.StopAsync(TimeSpan.FromMinutes(5));
        var stop = stopping.Elapsed;
        Log(build, $"SIGTERM stop took {stop.TotalSeconds:F1} s{(graceful ? "" : " and was cut short by a kill")}");

        await engine.StartAsync(waitUntilAnswering: false);
        var (ready, readyBy, peak) = await WaitUntilReadyAsync(build, engine, queries, expected, day);
        double? restartedAfterGc = null;
        if (ready is not null)
        {
            // Settled: every query once more, then a few seconds for whatever the restart still loads in the background.
            using (var reader = await engine.ReaderAsync())
            {
                foreach (var (_, path) in queries) await reader.GetFromJsonAsync(path);
            }
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        var restarted = engine.HasExited ? 0 : engine.ResidentBytes();
        peak = Math.Max(peak, restarted);
        if (ready is not null)
        {
            await engine.CollectGarbageAsync();
            restartedAfterGc = (engine.ResidentBytes() - baseline) / (double)sessions;
            if (!QueriesBeforeStop)
            {
                using var reader = await engine.ReaderAsync();
                (latencies, counts) = await SampleAsync(build, engine, reader, queries, TimeSpan.FromSeconds(querySeconds));
            }
        }
        else
        {
            await engine.KillAsync();
        }
        return new Result(sessions, (int)expected["cards, first page"], load, (active - baseline) / (double)sessions, (activeAfterGc - baseline) / (double)sessions,
            stop, graceful, ready, readyBy, restarted == 0 ? double.NaN : (restarted - baseline) / (double)sessions, restartedAfterGc, peak, latencies, counts);
    }

    /// <summary>
    /// Polls every live query from the restarted process's launch until each answered 200 with the live count it
    /// answered before the stop, or until <see cref="ReadyCap"/>; prints the process's memory and CPU as it goes.
    /// </summary>
    private static async Task<(TimeSpan? Ready, Dictionary<string, double?> ReadyBy, long Peak)> WaitUntilReadyAsync(
        EngineBuild build, EngineProcess engine, IReadOnlyList<(string Name, string Path)> queries, IReadOnlyDictionary<string, long> expected, string day)
    {
        TimeSpan Since() => Stopwatch.GetElapsedTime(engine.LaunchedAt);
        var readyBy = queries.ToDictionary(q => q.Name, _ => (double?)null);
        var last = queries.ToDictionary(q => q.Name, _ => "not asked");
        long peak = 0;
        using var monitor = new CancellationTokenSource();
        using var giveUp = new CancellationTokenSource();
        var monitoring = Task.Run(async () =>
        {
            var cpu = Cpu(engine.ProcessId);
            while (!monitor.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(15), monitor.Token); } catch (OperationCanceledException) { return; }
                if (engine.HasExited) { Log(build, $"restart +{Since().TotalSeconds:F0} s: the engine process exited"); return; }
                long rss;
                try { rss = engine.ResidentBytes(); }
                catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException) { continue; } // exiting meanwhile
                peak = Math.Max(peak, rss);
                if (rss > MaxRestartBytes)
                {
                    Log(build, $"restart: {rss / 1e9:F1} GB resident, past --max-rss-gb; giving up");
                    await giveUp.CancelAsync();
                }
                long now;
                try { now = Cpu(engine.ProcessId); }
                catch (Exception ex) when (ex is IOException or FormatException) { continue; }
                Log(build, $"restart +{Since().TotalSeconds:F0} s: {rss / 1e6:F0} MB resident, {(now - cpu) / 100.0 / 15:P0} of a core over 15 s; "
                    + string.Join("; ", last.Where(l => readyBy[l.Key] is null).Select(l => $"{l.Key}: {l.Value}")));
                cpu = now;
            }
        });
        HttpClient? reader = null;
        try
        {
            while (Since() < ReadyCap && readyBy.Values.Any(v => v is null) && !giveUp.IsCancellationRequested && !engine.HasExited)
            {
                var timeout = ReadyCap - Since() < TimeSpan.FromSeconds(30) ? ReadyCap - Since() : TimeSpan.FromSeconds(30);
                if (timeout <= TimeSpan.Zero) break;
                if (reader is null)
                {
                    try
                    {
                        reader = await engine.ReaderAsync(timeout: TimeSpan.FromSeconds(30));
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        foreach (var q in queries) last[q.Name] = "sign-in: " + ex.GetType().Name;
                        await Task.Delay(100);
                        continue;
                    }
                }
                foreach (var (name, path) in queries.Where(q => readyBy[q.Name] is null))
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(giveUp.Token);
                        cancel.CancelAfter(timeout);
                        using var response = await reader.GetAsync(path, cancel.Token);
                        var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            last[name] = $"{(int)response.StatusCode} in {took:F0} ms";
                            continue;
                        }
                        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel.Token)).RootElement;
                        var count = Count(name, answer);
                        // Today's figures start again at midnight: a day that changed since the stop counts as answered.
                        var newDay = answer.TryGetProperty("day", out var d) && d.GetString() != day;
                        if (newDay) Log(build, $"{name}: the day changed since the stop ({day} then {d.GetString()}); not compared");
                        if (!newDay && expected.TryGetValue(name, out var want) && count != want)
                        {
                            last[name] = $"200 with {count:N0} instead of {want:N0} in {took:F0} ms";
                            continue;
                        }
                        readyBy[name] = Since().TotalSeconds;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        last[name] = $"{ex.GetType().Name} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms";
                    }
                }
                if (readyBy.Values.Any(v => v is null)) await Task.Delay(100);
            }
        }
        finally
        {
            reader?.Dispose();
            await monitor.CancelAsync();
            await monitoring;
        }
        if (engine.HasExited) Log(build, $"restart: the engine process exited {Since().TotalSeconds:F0} s after its launch");
        else peak = Math.Max(peak, engine.ResidentBytes());
        var ready = readyBy.Values.All(v => v is not null) ? TimeSpan.FromSeconds(readyBy.Values.Max()!.Value) : (TimeSpan?)null;
        Log(build, $"restart: {(ready is { } r ? $"every live query answered as expected {r.TotalSeconds:F1} s after the launch" : $"not ready after {ReadyCap.TotalSeconds:F0} s")}; "
            + string.Join(", ", readyBy.Select(q => $"{q.Key} {(q.Value is { } s ? $"{s:F1} s" : "never: " + last[q.Key])}")));
        return (ready, readyBy, peak);
    }

    /// <summary>The live count a query's answer shows, where it has one.</summary>
    private static long? Count(string name, JsonElement answer) => name switch
    {
        "summary" => answer.GetProperty("activeConversations").GetInt64(),
        "hourly" => answer.GetProperty("hours").EnumerateArray().Sum(h => h.GetInt64()),
        "agents" => answer.GetProperty("agents").EnumerateArray().Sum(a => a.GetProperty("liveSessions").GetInt64()),
        "metrics bar" => answer.GetProperty("liveSessions").GetInt64(),
        "cards, first page" => answer.GetProperty("total").GetInt64(),
        "activity" => answer.GetProperty("items").GetArrayLength() > 0 ? 1 : 0, // entries at all
        _ => null,
    };

    /// <summary>The cursor after <paramref name="pages"/> pages of 50 unfiltered cards.</summary>
    private static async Task<string> CursorAsync(HttpClient reader, int pages)
    {
        string? cursor = null;
        for (var i = 0; i < pages; i++)
        {
            var page = await reader.GetFromJsonAsync("/api/v1/live/sessions?limit=50" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            cursor = page.GetProperty("nextCursor").GetString() ?? throw new InvalidOperationException($"no page after page {i + 1}");
        }
        return cursor!;
    }

    /// <summary>
    /// Rounds of every query in turn, then each subscription on a freshly connected hub, for at least
    /// <paramref name="duration"/> and <see cref="MinRounds"/> rounds (at most four times the duration); latency at the
    /// client. A request that fails or takes longer than <see cref="QueryTimeout"/> counts as that long and as failed.
    /// </summary>
    private static async Task<(IReadOnlyDictionary<string, (double P50, double P99)> Latency, IReadOnlyDictionary<string, (int Samples, int Failed)> Counts)> SampleAsync(
        EngineBuild build, EngineProcess engine, HttpClient reader, IReadOnlyList<(string Name, string Path)> queries, TimeSpan duration)
    {
        var token = reader.DefaultRequestHeaders.Authorization!.Parameter;
        var names = queries.Select(q => q.Name).Concat(Subscriptions.Select(s => s.Name)).ToArray();
        var samples = names.ToDictionary(n => n, _ => new List<double>());
        var failed = names.ToDictionary(n => n, _ => 0);
        async Task Measure(string name, Func<CancellationToken, Task> request)
        {
            var started = Stopwatch.GetTimestamp();
            using var timeout = new CancellationTokenSource(QueryTimeout);
            try
            {
                await request(timeout.Token);
                samples[name].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutException or Microsoft.AspNetCore.SignalR.HubException or IOException)
            {
                samples[name].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                failed[name]++;
                Log(build, $"{name} failed after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s: {ex.GetType().Name} {ex.Message}");
            }
        }
        var clock = Stopwatch.StartNew();
        for (var round = 0; (clock.Elapsed < duration || round < MinRounds) && clock.Elapsed < 4 * duration; round++)
        {
            foreach (var (name, path) in queries)
            {
                await Measure(name, async cancel =>
                {
                    using var response = await reader.GetAsync(path, cancel);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsByteArrayAsync(cancel);
                });
            }
            foreach (var (name, filter) in Subscriptions)
            {
                await using var hub = new HubConnectionBuilder()
                    .WithUrl(new Uri(engine.Address, "hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult(token))
                    .Build();
                // The server's pings may stall while it works: the invocation's own timeout decides.
                hub.ServerTimeout = QueryTimeout + TimeSpan.FromMinutes(1);
                await hub.StartAsync();
                await Measure(name, cancel => hub.InvokeAsync<JsonElement>(LiveHubMethods.Subscribe, filter, cancel));
            }
            if (Environment.GetEnvironmentVariable("BENCH_TRACE") is not null || round == 0)
                Log(build, $"round {round + 1}: " + string.Join(", ", samples.Select(s => $"{s.Key} {s.Value[^1]:F0} ms")));
            await Task.Delay(20);
        }
        Log(build, $"{samples.Values.First().Count} rounds in {clock.Elapsed.TotalSeconds:F0} s");
        return (samples.ToDictionary(s => s.Key, s => (Machine.Percentile(s.Value, 0.5), Machine.Percentile(s.Value, 0.99))),
            samples.ToDictionary(s => s.Key, s => (s.Value.Count, failed[s.Key])));
    }

    private static async Task<JsonElement> GetFromJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>
    /// Sessions [from, from+count), each a start and a customer message, varied by a hash of their number: six
    /// channels, six teams, 40 agents, four priorities (20/50/20/10 %), eight topics in the message (one in eight
    /// mentions a refund), started up to 20 minutes before <paramref name="clock"/> (never before its day began).
    /// </summary>
    private static async Task PostAsync(HttpClient producer, DateTimeOffset clock, int from, int count)
    {
        var events = Enumerable.Range(from, count).SelectMany(i =>
        {
            var h = (uint)i * 2654435761u;
            var age = Math.Min(h % 1200, Math.Max(0, (long)clock.TimeOfDay.TotalSeconds - 60));
            var started = clock.AddSeconds(-age);
            var said = started.AddSeconds(Math.Min(age, (h >> 8) % 30));
            var p = (h >> 12) % 10;
            var priority = p < 2 ? "low" : p < 7 ? "normal" : p < 9 ? "high" : "urgent";
            return new object[]
            {
                new { id = $"s{i}-start", type = "session_started", timestamp = Time(started), sessionId = $"s{i}", channel = Channels[(h >> 4) % 6],
                    agentId = $"bot{(h >> 16) % Agents}", user = new { id = $"u{i}", name = $"Customer {i}" }, teamId = Teams[(h >> 20) % 6], priority },
                new { id = $"s{i}-m1", type = "message_received", timestamp = Time(said), sessionId = $"s{i}",
                    message = new { id = $"s{i}-m1", format = "text", text = $"Hello, I have a question about {Topics[(h >> 24) % 8]} (order {i})" } },
            };
        }).ToArray();
        var body = JsonSerializer.Serialize(new { events });
        for (var attempt = 0; ; attempt++)
        {
            using var response = await producer.PostAsync("/api/v1/events", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.Accepted) return;
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt > 100)
                throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200));
        }
    }

    private static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Log(EngineBuild build, string line) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} [{build.Label}] {line}");

    /// <summary>User plus system CPU time of a process, in clock ticks (1/100 s).</summary>
    private static long Cpu(int pid) => (long)Math.Round(EngineProcess.CpuTime(pid).TotalSeconds * 100);
}

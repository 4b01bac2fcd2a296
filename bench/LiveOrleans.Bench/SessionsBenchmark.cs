using System.Net;
using System.Text.Json;

namespace LiveOrleans.Bench;

/// <summary>
/// Many live sessions in one tenant: the engine's resident memory per live session, the live queries at that size,
/// and how long a restart takes until the engine answers (with every session still live).
/// </summary>
public static class SessionsBenchmark
{
    private const int SessionsPerBatch = 500;
    private const int Senders = 8;

    /// <param name="ActiveBytesPerSession">Resident memory per session just after they were all ingested (their grains active).</param>
    /// <param name="RestartedBytesPerSession">Resident memory per session after a restart and the queries, when no session was touched since.</param>
    public sealed record Result(int Sessions, double ActiveBytesPerSession, double RestartedBytesPerSession, TimeSpan Restart,
        IReadOnlyDictionary<string, (double P50, double P99)> Queries);

    public static async Task<Result> RunAsync(EngineBuild build, int sessions, int querySeconds)
    {
        await using var engine = await EngineProcess.StartAsync(build);
        using var producer = engine.Producer();
        await PostAsync(producer, 0, 1); // s0, posted again (as duplicates) with the rest
        await Task.Delay(2000);
        var baseline = engine.ResidentBytes();

        var next = 0;
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var from = Interlocked.Add(ref next, SessionsPerBatch) - SessionsPerBatch;
                if (from >= sessions) return;
                await PostAsync(producer, from, Math.Min(SessionsPerBatch, sessions - from));
            }
        })).ToArray();
        await Task.WhenAll(senders);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var loaded = engine.ResidentBytes();

        using (var reader = await engine.ReaderAsync())
        {
            var total = (await reader.GetFromJsonAsync("/api/v1/live/sessions?limit=1")).GetProperty("total").GetInt32();
            if (total != sessions) Console.WriteLine($"  [{build.Label}] expected {sessions} live sessions, the engine lists {total}");
        }
        await engine.StopAsync();
        await engine.StartAsync();
        // Restarted means every live query answers: the first of each loads what it reads.
        var firstRound = System.Diagnostics.Stopwatch.StartNew();
        using var after = await engine.ReaderAsync();
        var listed = (await after.GetFromJsonAsync("/api/v1/live/sessions?limit=1")).GetProperty("total").GetInt32();
        foreach (var query in QueryLatencyBenchmark.Queries) await after.GetFromJsonAsync(query);
        var restart = engine.StartTime + firstRound.Elapsed;
        if (listed != sessions) Console.WriteLine($"  [{build.Label}] after the restart the engine lists {listed} live sessions, expected {sessions}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var queries = await QueryLatencyBenchmark.SampleAsync(after, QueryLatencyBenchmark.Queries, () => clock.Elapsed < TimeSpan.FromSeconds(querySeconds), TimeSpan.Zero);
        var restarted = engine.ResidentBytes();
        return new Result(sessions, (loaded - baseline) / (double)sessions, (restarted - baseline) / (double)sessions, restart, queries);
    }

    private static async Task<JsonElement> GetFromJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Sessions [from, from+count): started on a channel, with a customer message.</summary>
    private static async Task PostAsync(HttpClient producer, int from, int count)
    {
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string[] channels = ["web", "whatsapp", "sms", "email"];
        var events = Enumerable.Range(from, count).SelectMany(i => new object[]
        {
            new { id = $"s{i}-start", type = "session_started", timestamp = now, sessionId = $"s{i}", channel = channels[i % 4], agentId = $"bot{i % 10}",
                user = new { id = $"u{i}", name = $"Customer {i}" }, teamId = i % 3 == 0 ? "sales" : "support" },
            new { id = $"s{i}-m1", type = "message_received", timestamp = now, sessionId = $"s{i}",
                message = new { id = $"s{i}-m1", format = "text", text = $"Hello, I have a question about order {i}" } },
        }).ToArray();
        using var response = await producer.PostAsync("/api/v1/events", JsonContent(new { events }));
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LiveOrleans.Simulator;

namespace LiveOrleans.Api.Tests;

/// <summary>The same events give the same figures after a restart as before it: stopped gracefully, and killed.</summary>
[Trait("Category", "http")]
public sealed class RestartTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"lo-restart-{Guid.NewGuid():N}");

    // Snapshots only when grains deactivate: after a kill, everything comes back from the log.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Live__SessionSnapshotEntries"] = "1000000",
        ["Live__SnapshotInterval"] = "01:00:00",
        // No grace period or rolling window ends between the readings.
        ["Live__EndedGracePeriod"] = "01:00:00",
    };

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_figures_are_the_same_after_a_graceful_restart_and_after_a_kill()
    {
        // Simulated traffic of every kind but token deltas, which are live only (a restart shows a session's last logged state).
        var model = new TrafficModel(11, [new SimulatedTenant("crash", "Europe/Berlin")], DateTimeOffset.UtcNow, sessionsPerMinute: 120);

        string before;
        await using (var engine = await EngineProcess.StartAsync(_directory, Settings))
        {
            await SendAsync(engine.Address, model, 3_000);
            using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
            var cards = (await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/sessions?limit=20&statuses=active,thinking"))!["items"]!.AsArray();
            Assert.True(cards.Count >= 2);
            foreach (var (card, type) in cards.Take(2).Zip(new[] { "pause", "system_message" }))
            {
                var session = card!["sessionId"]!.GetValue<string>();
                var intervened = await reader.PostAsJsonAsync($"/api/v1/sessions/{session}/interventions", new { type, reason = "restart test", content = "A notice" });
                Assert.Equal(System.Net.HttpStatusCode.Created, intervened.StatusCode);
                // The model obeys, as a producer does: a paused session's agent sends nothing more (the engine would refuse it, 409).
                var id = (await intervened.Content.ReadFromJsonAsync<JsonObject>())!["interventionId"]!.GetValue<string>();
                model.Control(0, type, session, id, "A notice", null);
            }
            before = await engine.ExplainingAsync(() => Figures.ReadAsync(reader));
            await engine.StopAsync();
        }

        string afterStop, beforeKill;
        await using (var engine = await EngineProcess.StartAsync(_directory, Settings))
        {
            using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
            afterStop = await engine.ExplainingAsync(() => Figures.ReadAsync(reader));
            // More traffic, held in the grains' memory only (no snapshot for an hour), then the process is killed.
            await SendAsync(engine.Address, model, 3_000);
            beforeKill = await engine.ExplainingAsync(() => Figures.ReadAsync(reader));
            engine.Kill();
        }

        string afterKill;
        await using (var engine = await EngineProcess.StartAsync(_directory, Settings))
        {
            using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
            afterKill = await engine.ExplainingAsync(() => Figures.ReadAsync(reader));
        }

        Assert.Contains("\"activeConversations\":", before);
        Assert.Equal(before, afterStop);
        Assert.NotEqual(before, beforeKill);
        Assert.Equal(beforeKill, afterKill);
    }

    [Fact]
    public async Task A_graceful_stop_with_thousands_of_active_sessions_ends_clean_and_the_restart_answers_the_same()
    {
        // Grains' information kept: the store's close, and any derived grain that finds its snapshot unclean, say so.
        var settings = new Dictionary<string, string>(Settings) { ["Logging__LogLevel__LiveOrleans"] = "Information" };
        const int sessions = 4_000;

        string before, stopLog;
        await using (var engine = await EngineProcess.StartAsync(_directory, settings))
        {
            await SendSessionsAsync(engine.Address, sessions);
            using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
            before = await engine.ExplainingAsync(() => Figures.ReadAsync(reader));
            var logged = engine.Output.Split('\n').Length;
            var siloLogged = engine.SiloOutput.Split('\n').Length;
            // Every session grain is still active (none idle long enough to be collected), each with a snapshot not written.
            await engine.StopAsync();
            // In cluster mode the grains and the store live in the Silo process: its lines count too.
            stopLog = string.Join("\n", engine.Output.Split('\n').Skip(logged).Concat(engine.SiloOutput.Split('\n').Skip(siloLogged)));
        }

        string after, restartLog;
        await using (var engine = await EngineProcess.StartAsync(_directory, settings))
        {
            using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
            after = await engine.ExplainingAsync(() => Figures.ReadAsync(reader));
            restartLog = engine.Output + "\n" + engine.SiloOutput;
        }

        // SQLite says when its file is closed after the last writes; PostgreSQL (cluster mode) has no file to close.
        if (!TestStore.Cluster) Assert.Contains("closed after its last writes", stopLog);
        // A failure names the entries themselves, so a CI log says what was reported.
        var problems = ReportedProblems(stopLog);
        Assert.True(problems.Count == 0, "The graceful stop reported:\n" + string.Join("\n", problems.Take(5)));
        Assert.DoesNotContain("did not end cleanly", restartLog, StringComparison.Ordinal);
        var cards = System.Text.Json.Nodes.JsonNode.Parse(after)!["sessions"]!.AsArray();
        Assert.Equal(sessions, cards.Count);
        Assert.Equal(before, after);
    }

    /// <summary>Sessions s0 … s(count−1), each a start and a customer message, 1,000 events a request.</summary>
    private static async Task SendSessionsAsync(Uri engine, int count)
    {
        using var producer = new HttpClient { BaseAddress = engine };
        producer.DefaultRequestHeaders.Add("X-Api-Key", "lo_crash_key");
        var now = DateTimeOffset.UtcNow;
        string Time(int secondsAgo) => now.AddSeconds(-secondsAgo).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string[] channels = ["web", "whatsapp", "email"];
        string[] teams = ["sales", "support"];
        var events = Enumerable.Range(0, count).SelectMany(i => new object[]
        {
            new { id = $"s{i}-start", type = "session_started", timestamp = Time(1 + i % 600), sessionId = $"s{i}",
                channel = channels[i % 3], agentId = $"bot{i % 7}", user = new { id = $"u{i}", name = $"Customer {i}" }, teamId = teams[i % 2] },
            new { id = $"s{i}-m1", type = "message_received", timestamp = Time(i % 600), sessionId = $"s{i}",
                message = new { id = $"s{i}-m1", format = "text", text = $"Hello, a question about order {i}" } },
        });
        foreach (var batch in events.Chunk(1_000))
        {
            var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    private static async Task SendAsync(Uri engine, TrafficModel model, int count)
    {
        using var producer = new HttpClient { BaseAddress = engine };
        producer.DefaultRequestHeaders.Add("X-Api-Key", "lo_crash_key");
        var now = DateTimeOffset.UtcNow;
        var events = model.Take(count).Select(e => e.Event).Where(e => e is not Events.MessageDelta).Select(e => e with { Timestamp = now });
        foreach (var batch in events.Chunk(500))
        {
            var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch }, LiveJson.Options);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    /// <summary>
    /// The entries of a stop's log that report a problem: a warning, an error or a critical entry, or any entry naming an
    /// exception. Orleans' own shutdown reports are left out. Its memory-stream pulling agents sometimes log, at error
    /// level, that their last read of a stream queue was cancelled because the silo was stopping ("Exception thrown in
    /// MemoryAdapterFactory.GetQueueMessagesAsync" with an OperationCanceledException): Orleans' own shutdown race, seen
    /// about once in ten stops, with nothing lost (the restart's figures are compared). The same cancelled read is at
    /// times reported instead by the pulling agent's retry filter ("Exception while retrying the 0th time reading from
    /// queue", Orleans.Streams, its event 103312), which then stops retrying because the silo is shutting down. Both are
    /// left out only with a bare OperationCanceledException (no inner exception). In cluster mode the Silo process also
    /// reports, as a warning, a lifecycle stage that took long to stop on a loaded machine; left out with no exception;
    /// and its failure detector's probes of the silo that left, answered "unavailable" before the news reached it; and
    /// the cancellation of a call in flight that could not reach its silo, already stopped.
    /// </summary>
    private static List<string> ReportedProblems(string log)
    {
        var problems = new List<string>();
        foreach (var entry in Entries(log))
        {
            var lines = entry.Split('\n');
            var cancelledAlone = lines.Any(l => l.TrimStart().StartsWith("System.OperationCanceledException", StringComparison.Ordinal))
                && !lines.Any(l => l.TrimStart().StartsWith("---> ", StringComparison.Ordinal));
            var isPullCancelled = cancelledAlone
                && ((entry.StartsWith("fail: Orleans.Providers.MemoryAdapterReceiver", StringComparison.Ordinal)
                        && entry.Contains("Exception thrown in MemoryAdapterFactory.GetQueueMessagesAsync", StringComparison.Ordinal))
                    || (entry.StartsWith("fail: Orleans.Streams.", StringComparison.Ordinal) && lines[0].Contains("[103312]", StringComparison.Ordinal)
                        && entry.Contains("Exception while retrying the 0th time reading from queue", StringComparison.Ordinal)));
            var isSlowStage = entry.StartsWith("warn: Orleans.Runtime.SiloLifecycleSubject", StringComparison.Ordinal)
                && lines.Length == 2 && lines[1].Contains("stopped in stage", StringComparison.Ordinal)
                && !lines[1].Contains("Exception", StringComparison.Ordinal);
            // The remaining silo's membership probe of the silo that is leaving, answered "unavailable" before it read
            // that the silo shuts down (a loaded machine): Orleans' failure detector at work, reported per probe.
            var isProbeOfLeavingSilo = (entry.StartsWith("warn: Orleans.Runtime.CallbackData[100157]", StringComparison.Ordinal)
                    && entry.Contains("The target silo became unavailable for message", StringComparison.Ordinal)
                    && entry.Contains("Orleans.Runtime.IMembershipService.Ping(", StringComparison.Ordinal))
                || (entry.StartsWith("warn: Orleans.Runtime.MembershipService.SiloHealthMonitor[100613]", StringComparison.Ordinal)
                    && lines.Length > 2 && lines[1].TrimStart().StartsWith("Did not get response for probe", StringComparison.Ordinal)
                    && lines[2].TrimStart().StartsWith("Orleans.Runtime.SiloUnavailableException", StringComparison.Ordinal)
                    && !lines.Any(l => l.TrimStart().StartsWith("---> ", StringComparison.Ordinal)));
            // A call in flight as the silo stops: Orleans tries to tell its target silo of the call's cancellation and
            // finds it already unavailable (seen once in CI, 2026-12-08, embedded pass): shutdown order, nothing lost.
            var isCancellationToStoppedSilo = entry.StartsWith("fail: Orleans.Runtime.GrainCallCancellationManager[294010709]", StringComparison.Ordinal)
                && lines.Length > 2 && lines[1].TrimStart().StartsWith("Error while cancelling", StringComparison.Ordinal)
                && lines[2].TrimStart().StartsWith("Orleans.Runtime.SiloUnavailableException", StringComparison.Ordinal)
                && !lines.Any(l => l.TrimStart().StartsWith("---> ", StringComparison.Ordinal));
            if (isPullCancelled || isSlowStage || isProbeOfLeavingSilo || isCancellationToStoppedSilo) continue;
            if (entry.StartsWith("warn:", StringComparison.Ordinal) || entry.StartsWith("fail:", StringComparison.Ordinal)
                || entry.StartsWith("crit:", StringComparison.Ordinal) || entry.Contains("Exception", StringComparison.Ordinal))
            {
                problems.Add(entry);
            }
        }
        return problems;
    }

    /// <summary>A console log's entries: each line that does not start with a space, with the indented lines after it.</summary>
    private static IEnumerable<string> Entries(string log)
    {
        var lines = log.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var end = i + 1;
            while (end < lines.Length && lines[end].StartsWith(' ')) end++;
            yield return string.Join("\n", lines[i..end]);
            i = end - 1;
        }
    }

    /// <summary>
    /// A reader signed in to the engine once it answers reads. In a cluster restarted after a kill, the new silos may
    /// still be settling membership with the dead ones' entries for a while after they serve HTTP, and answer 503 with
    /// <c>Retry-After</c> meanwhile — the documented answer a client retries (any other failure fails the test at once).
    /// </summary>
    private static async Task<HttpClient> ReaderAsync(Uri address)
    {
        var client = await SignedInAsync(address);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync("/api/v1/live/summary");
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                response.EnsureSuccessStatusCode();
                return client;
            }
            Assert.NotNull(response.Headers.RetryAfter);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<HttpClient> SignedInAsync(Uri address)
    {
        var client = new HttpClient { BaseAddress = address };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

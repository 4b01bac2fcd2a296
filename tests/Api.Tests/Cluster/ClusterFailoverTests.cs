using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LiveOrleans.Client;
using LiveOrleans.Events;
using LiveOrleans.Grains.Placement;
using LiveOrleans.Hosting;
using LiveOrleans.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>Cluster tests start many processes: one at a time.</summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;

/// <summary>
/// PostgreSQL, three Silo processes and two Api nodes (one a silo, one an Orleans client only), simulated traffic
/// through both, the silo that owns the tenant (and so holds all of its grains) killed with SIGKILL in the middle of it.
/// </summary>
[Collection("cluster")]
[Trait("Category", "cluster")]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private const string Tenant = "crash";

    // No grace period or rolling window ends between the readings of the cluster and of the embedded run.
    private static readonly Dictionary<string, string> Settings = new() { ["Live__EndedGracePeriod"] = "01:00:00" };

    [Fact]
    public async Task A_silo_killed_mid_traffic_loses_no_acknowledged_event_its_grains_answer_again_and_the_figures_equal_an_embedded_run()
    {
        // The simulator's traffic (every kind but token deltas, which are live only), stamped now.
        var now = DateTimeOffset.UtcNow;
        var model = new TrafficModel(23, [new SimulatedTenant(Tenant, "Europe/Berlin")], now.AddMinutes(-30), sessionsPerMinute: 120);
        var events = model.Take(5_000).Select(e => e.Event).Where(e => e is not MessageDelta).Select(e => e with { Timestamp = now }).ToList();
        // Each session's events go through one Api node, in order; agents' own events through the first.
        var partitions = events.GroupBy(e => e.SessionId is { } session ? (session.GetHashCode(StringComparison.Ordinal) & 1) : 0)
            .OrderBy(g => g.Key).Select(g => g.ToList()).ToArray();
        Assert.Equal(2, partitions.Length);

        await using var cluster = new ClusterProcesses();
        for (var i = 0; i < 3; i++) await cluster.StartSiloAsync(Settings);
        // An internal service's view of the cluster: which silo owns the tenant, which sessions live on it.
        using var orleans = await OrleansClientAsync(cluster);
        var management = orleans.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);

        // All of the tenant's grains live on the silo that owns it (tenant placement), and that silo is the one killed:
        // it must be a Silo process. An Api node that is a silo and happens to own the tenant (1 time in 4) is stopped
        // and another one started on other ports, until the owner is a Silo process.
        EngineProcess apiSilo = null!;
        SiloProcess? victim = null;
        for (var attempt = 1; victim is null; attempt++)
        {
            apiSilo = await cluster.StartApiAsync(client: false, Settings);
            var active = await ActiveSilosAsync(management, count: 4);
            var owner = TenantOwnership.Owner(Tenant, active);
            victim = cluster.Silos.SingleOrDefault(s => s.SiloPort == owner.Endpoint.Port);
            if (victim is null)
            {
                Assert.True(attempt < 10, "the Api node owned the tenant ten times running");
                await apiSilo.StopAsync();
                await ActiveSilosAsync(management, count: 3);
            }
        }
        var apiClient = await cluster.StartApiAsync(client: true, Settings);
        EngineProcess[] apis = [apiSilo, apiClient];

        var token = await TokenAsync(apiSilo.Address);
        await using var dashboards = new DashboardWatch(apis.Select(a => a.Address), token);
        await dashboards.StartAsync();

        var halfway = new TaskCompletionSource();
        var sent = 0;
        var retries = 0;
        var senders = partitions.Select((partition, p) => Task.Run(async () =>
        {
            using var producer = new HttpClient { BaseAddress = apis[p].Address, Timeout = TimeSpan.FromSeconds(30) };
            producer.DefaultRequestHeaders.Add("X-Api-Key", "lo_crash_key");
            foreach (var batch in partition.Chunk(100))
            {
                Interlocked.Add(ref retries, await SendUntilAcceptedAsync(producer, batch));
                if (Interlocked.Add(ref sent, batch.Length) >= events.Count / 2) halfway.TrySetResult();
            }
        })).ToArray();

        await halfway.Task.WaitAsync(TimeSpan.FromMinutes(3));
        var hosts = await management.GetHosts(onlyActive: true);
        var victimAddress = hosts.Keys.Single(a => a.Endpoint.Port == victim.SiloPort);
        var onVictim = (await management.GetDetailedGrainStatistics(hostsIds: [victimAddress]))
            .Where(g => g.GrainId.Type.ToString() == "session")
            .Select(g => g.GrainId.Key.ToString()!.Split('/')[1])
            .Take(40).ToArray();
        Assert.NotEmpty(onVictim);
        victim.Kill();
        var killed = Stopwatch.StartNew();

        // Each of the dead silo's sessions, asked through the Api node that is only a client, until it answers.
        using var reader = Reader(apiClient.Address, token, TimeSpan.FromSeconds(2));
        var answeredAfter = await Task.WhenAll(onVictim.Select(async session =>
        {
            while (killed.Elapsed < TimeSpan.FromMinutes(1))
            {
                try
                {
                    if ((await reader.GetAsync($"/api/v1/sessions/{session}?limit=1")).StatusCode == HttpStatusCode.OK) return killed.Elapsed;
                }
                catch (TaskCanceledException) { }
                catch (HttpRequestException) { }
                await Task.Delay(50);
            }
            return TimeSpan.MaxValue;
        }));
        await Task.WhenAll(senders);
        var slowest = answeredAfter.Max();
        Report($"failover: {onVictim.Length} sessions of the killed silo answered again within {slowest.TotalSeconds:F2} s "
            + $"(median {answeredAfter.Order().ElementAt(answeredAfter.Length / 2).TotalSeconds:F2} s); {retries} batch retries by the producers");
        Assert.True(slowest < TimeSpan.FromMinutes(1), "a session of the killed silo never answered again");
        Assert.Contains(6, await WaitForDeadAsync(cluster, victim.SiloPort));

        // Every acknowledged message is in its session's transcript exactly once.
        var expected = events.Select(e => e switch
            {
                MessageReceived m => (e.SessionId!, m.Message.Id),
                MessageSent m => (e.SessionId!, m.Message.Id),
                _ => default,
            }).Where(x => x != default).GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Select(x => x.Item2).Order().ToArray());
        using var readerA = Reader(apiSilo.Address, token, TimeSpan.FromSeconds(30));
        foreach (var (session, ids) in expected)
        {
            Assert.Equal(ids, (await MessageIdsAsync(readerA, session)).Order());
        }

        // Both Api nodes answer the same figures, and they are those of one embedded process given the same events.
        var clusterFigures = await Figures.ReadAsync(readerA, activity: false);
        using var readerB = Reader(apiClient.Address, token, TimeSpan.FromSeconds(30));
        Assert.Equal(clusterFigures, await Figures.ReadAsync(readerB, activity: false));
        var embeddedFigures = await EmbeddedFiguresAsync(events);
        Assert.Equal(embeddedFigures, clusterFigures);

        // The dashboards on both nodes converged on those figures (pushed, not read).
        var summary = (await readerA.GetFromJsonAsync<JsonObject>("/api/v1/live/summary"))!;
        summary.Remove("asOf");
        var states = await SessionStatesAsync(readerA);
        await dashboards.ConvergedAsync(summary.ToJsonString(), states, TimeSpan.FromSeconds(30));
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        // Also where the test command prints it: passing tests' output is not shown by dotnet test.
        if (Environment.GetEnvironmentVariable("LIVEORLEANS_TEST_LOGS") is { Length: > 0 } logs)
        {
            File.AppendAllText(Path.Combine(logs, "cluster-figures.txt"), line + Environment.NewLine);
        }
    }

    /// <summary>The active silos once the cluster's membership lists <paramref name="count"/> of them.</summary>
    private static async Task<SiloAddress[]> ActiveSilosAsync(IManagementGrain management, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var hosts = await management.GetHosts(onlyActive: true);
            if (hosts.Count == count) return [.. hosts.Keys];
            Assert.True(DateTime.UtcNow < deadline, $"the cluster had {hosts.Count} active silos, not {count}, after 60 s");
            await Task.Delay(200);
        }
    }

    private static async Task<IReadOnlyList<int>> WaitForDeadAsync(ClusterProcesses cluster, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(await cluster.SiloPortsAsync(6)).Contains(port)) await Task.Delay(200);
        return (await cluster.SiloPortsAsync(6)).Contains(port) ? [6] : [];
    }

    private static async Task<string> EmbeddedFiguresAsync(IReadOnlyList<LiveEvent> events)
    {
        var directory = Directory.CreateTempSubdirectory("lo-embedded-").FullName;
        try
        {
            // Embedded whichever pass this is: the reference the cluster's figures are held to.
            await using var engine = await EngineProcess.StartAsync(directory, new Dictionary<string, string>(Settings) { ["Storage__Provider"] = "Sqlite" });
            using var producer = new HttpClient { BaseAddress = engine.Address };
            producer.DefaultRequestHeaders.Add("X-Api-Key", "lo_crash_key");
            foreach (var batch in events.Chunk(500))
            {
                var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch }, LiveJson.Options);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            using var reader = Reader(engine.Address, await TokenAsync(engine.Address), TimeSpan.FromSeconds(30));
            return await Figures.ReadAsync(reader, activity: false);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    internal static async Task<IReadOnlyList<string>> MessageIdsAsync(HttpClient reader, string session)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var detail = await reader.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}?limit=500" + (cursor is null ? "" : $"&cursor={cursor}"));
            ids.AddRange(detail.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
            cursor = detail.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }

    internal static async Task<Dictionary<string, string>> SessionStatesAsync(HttpClient reader)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = (await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/sessions?limit=500" + (cursor is null ? "" : "&cursor=" + cursor)))!;
            foreach (var card in page["items"]!.AsArray()) states[card!["sessionId"]!.GetValue<string>()] = card["state"]!.GetValue<string>();
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return states;
    }

    private static async Task<string> TokenAsync(Uri address)
    {
        using var client = new HttpClient { BaseAddress = address };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = Tenant, username = "admin", password = "crash-password" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    internal static HttpClient Reader(Uri address, string token, TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    internal static async Task<IHost> OrleansClientAsync(ClusterProcesses cluster)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(cluster.Settings().ToDictionary(p => p.Key.Replace("__", ":"), p => (string?)p.Value)).Build();
        var host = new HostBuilder().UseOrleansClient(client => client.AddLiveOrleansClient(configuration)).Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// Posts a batch as a producer does, until it is acknowledged (same ids: a retry stores nothing twice); a refusal
    /// other than 429 or 5xx fails the test. Answers how many times it had to try again.
    /// </summary>
    internal static async Task<int> SendUntilAcceptedAsync(HttpClient producer, IEnumerable<LiveEvent> batch)
    {
        for (var retries = 0; ; retries++)
        {
            try
            {
                var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch }, LiveJson.Options);
                if (response.StatusCode == HttpStatusCode.Accepted) return retries;
                Assert.True((int)response.StatusCode is 429 or >= 500, $"a batch was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
    }
}

/// <summary>One dashboard per Api node, subscribed to everything, keeping the last pushed summary and each card's state.</summary>
public sealed class DashboardWatch(IEnumerable<Uri> nodes, string token) : IAsyncDisposable
{
    private readonly List<(LiveDashboard Hub, Dictionary<string, string> States, StrongBox<string> Summary, object Lock)> _dashboards =
        [.. nodes.Select(node => (new LiveDashboard(node, token), new Dictionary<string, string>(StringComparer.Ordinal), new StrongBox<string>(""), new object()))];

    public async Task StartAsync()
    {
        foreach (var (hub, states, summary, gate) in _dashboards)
        {
            hub.Summary += s => { lock (gate) summary.Value = Without(s); };
            hub.SessionUpserted += card => { lock (gate) states[card.SessionId] = LiveOrleans.Validation.EnumNames<LiveOrleans.LiveState>.Name(card.State); };
            hub.SessionRemoved += id => { lock (gate) states.Remove(id); };
            await hub.StartAsync();
            var snapshot = await hub.SubscribeAsync();
            lock (gate)
            {
                if (summary.Value!.Length == 0) summary.Value = Without(snapshot.Summary);
                foreach (var card in snapshot.Sessions.Items) states.TryAdd(card.SessionId, LiveOrleans.Validation.EnumNames<LiveOrleans.LiveState>.Name(card.State));
            }
        }
    }

    /// <summary>Waits until every dashboard shows <paramref name="summary"/> and exactly the cards of <paramref name="states"/>.</summary>
    public async Task ConvergedAsync(string summary, IReadOnlyDictionary<string, string> states, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var behind = _dashboards.Where(d =>
            {
                lock (d.Lock) return d.Summary.Value != summary || d.States.Count != states.Count || d.States.Any(s => !states.TryGetValue(s.Key, out var v) || v != s.Value);
            }).ToArray();
            if (behind.Length == 0) return;
            if (DateTime.UtcNow > deadline)
            {
                var (_, shown, shownSummary, _) = behind[0];
                Assert.Equal(summary, shownSummary.Value);
                Assert.Equal(states.OrderBy(s => s.Key), shown.OrderBy(s => s.Key));
            }
            await Task.Delay(100);
        }
    }

    private static string Without(Queries.SummaryView summary)
    {
        var json = JsonSerializer.SerializeToNode(summary, LiveJson.Options)!.AsObject();
        json.Remove("asOf");
        return json.ToJsonString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dashboard in _dashboards) await dashboard.Hub.DisposeAsync();
    }

}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LiveOrleans.Events;
using LiveOrleans.Grains.Placement;
using LiveOrleans.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>
/// A cluster of one Silo process and two Api nodes (Orleans clients only) under traffic of eight tenants, with a
/// dashboard per tenant on each Api node; a second Silo process joins, and the tenants it now owns move to it.
/// </summary>
[Collection("cluster")]
[Trait("Category", "cluster")]
public sealed class SiloJoinTests(ITestOutputHelper output)
{
    private const string Password = "join-password";

    /// <summary>The grain classes of a tenant (their Orleans grain types), all placed with the tenant.</summary>
    private static readonly string[] Kinds = ["ingest", "session", "liveindex", "tenantday", "agent", "tenant", "presence"];

    private static readonly string[] Tenants = [.. Enumerable.Range(0, 8).Select(i => $"join{i}")];

    // No grace period or rolling window ends between the readings of the cluster and of the embedded run.
    private static readonly Dictionary<string, string> Settings = new() { ["Live__EndedGracePeriod"] = "01:00:00" };

    private static string ZoneOf(int tenant) => tenant % 2 == 0 ? "UTC" : "Europe/Berlin";

    [Fact]
    public async Task A_silo_joining_under_traffic_takes_its_tenants_loses_no_acknowledged_event_and_the_figures_equal_an_embedded_run()
    {
        // The simulator's traffic over eight tenants (every kind but token deltas, which are live only), stamped now.
        var now = DateTimeOffset.UtcNow;
        var model = new TrafficModel(29, [.. Tenants.Select((t, i) => new SimulatedTenant(t, ZoneOf(i)))], now.AddMinutes(-30), sessionsPerMinute: 240);
        var traffic = model.Take(12_000).Where(e => e.Event is not MessageDelta).ToList();
        var events = Tenants.Select((_, i) => traffic.Where(e => e.Tenant == i).Select(e => e.Event with { Timestamp = now }).ToList()).ToArray();
        Assert.All(events, e => Assert.NotEmpty(e));

        await using var cluster = new ClusterProcesses();
        var first = await cluster.StartSiloAsync(Settings);
        EngineProcess[] apis = [await cluster.StartApiAsync(client: true, Settings), await cluster.StartApiAsync(client: true, Settings)];
        foreach (var api in apis) await ReadyAsync(api.Address, cluster.ClusterId);
        using var orleans = await ClusterFailoverTests.OrleansClientAsync(cluster);
        var management = orleans.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);

        // The tenants, created by the platform administrator; each one's ingest key and a supervisor's token.
        var keys = new string[Tenants.Length];
        var tokens = new string[Tenants.Length];
        var platform = await TokenAsync(apis[0].Address, "crash", "admin", "crash-password");
        for (var t = 0; t < Tenants.Length; t++)
        {
            keys[t] = await CreateTenantAsync(apis[0].Address, platform, Tenants[t], ZoneOf(t));
            tokens[t] = await TokenAsync(apis[0].Address, Tenants[t], "admin", Password);
        }
        var dashboards = Tenants.Select((_, t) => new DashboardWatch(apis.Select(a => a.Address), tokens[t])).ToArray();
        try
        {
            foreach (var dashboard in dashboards) await dashboard.StartAsync();
            await JoinUnderTrafficAsync(cluster, management, apis, events, keys, tokens, dashboards);
        }
        finally
        {
            foreach (var dashboard in dashboards) await dashboard.DisposeAsync();
        }
        GC.KeepAlive(first);
    }

    private async Task JoinUnderTrafficAsync(ClusterProcesses cluster, IManagementGrain management, EngineProcess[] apis,
        List<LiveEvent>[] events, string[] keys, string[] tokens, DashboardWatch[] dashboards)
    {
        // Each session's events go through one Api node, in order; agents' own events through the first. A producer per
        // tenant and node sends a quarter of its events at once, then 10 events every 300 ms until the tenants have
        // moved, then the rest.
        var waiting = Tenants.Length * 2;
        var started = new TaskCompletionSource();
        var joining = new TaskCompletionSource();
        var moved = new TaskCompletionSource();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<(bool DuringMove, double Seconds)>();
        var retries = 0;
        var retriesDuringMove = 0;
        var senders = Enumerable.Range(0, Tenants.Length).SelectMany(t => Enumerable.Range(0, 2).Select(p => Task.Run(async () =>
        {
            var partition = events[t].Where(e => (e.SessionId is { } s ? s.GetHashCode(StringComparison.Ordinal) & 1 : 0) == p).ToList();
            using var producer = new HttpClient { BaseAddress = apis[p].Address, Timeout = TimeSpan.FromSeconds(30) };
            producer.DefaultRequestHeaders.Add("X-Api-Key", keys[t]);
            var sent = 0;
            async Task SendAsync(LiveEvent[] batch)
            {
                var during = joining.Task.IsCompleted && !moved.Task.IsCompleted;
                var clock = Stopwatch.StartNew();
                var tries = await ClusterFailoverTests.SendUntilAcceptedAsync(producer, batch);
                Interlocked.Add(ref retries, tries);
                if (during) Interlocked.Add(ref retriesDuringMove, tries);
                latencies.Add((during, clock.Elapsed.TotalSeconds));
                sent += batch.Length;
            }

            foreach (var batch in partition.Take(partition.Count / 4).Chunk(100)) await SendAsync(batch);
            if (Interlocked.Decrement(ref waiting) == 0) started.SetResult();
            while (!moved.Task.IsCompleted && sent < partition.Count)
            {
                await SendAsync([.. partition.Skip(sent).Take(10)]);
                await Task.Delay(300);
            }
            foreach (var batch in partition.Skip(sent).Chunk(100)) await SendAsync(batch);
        }))).ToArray();

        await started.Task.WaitAsync(TimeSpan.FromMinutes(3));
        var before = await ActiveSilosAsync(management, 1);
        var placed = await PlacementAsync(management);
        Assert.All(placed, p => Assert.Equal(before[0], p.Silo));

        // A second Silo process joins. (Should it own none of the eight tenants, one chance in 256, it leaves and another joins.)
        SiloAddress joined = null!;
        SiloAddress[] after = [];
        string[] moving = [];
        Stopwatch sinceJoin = null!;
        joining.SetResult();
        for (var attempt = 1; moving.Length == 0; attempt++)
        {
            var silo = await cluster.StartSiloAsync(Settings);
            sinceJoin = Stopwatch.StartNew();
            after = await ActiveSilosAsync(management, 2);
            joined = after.Single(s => s.Endpoint.Port == silo.SiloPort);
            moving = [.. Tenants.Where(t => TenantOwnership.Owner(t, after).Equals(joined))];
            if (moving.Length == 0)
            {
                Assert.True(attempt < 5, "the joining silo owned none of the tenants five times running");
                await silo.StopAsync();
                await ActiveSilosAsync(management, 1);
            }
        }

        // Under traffic, every grain of the tenants the new silo owns goes to it, and the others' stay where they were.
        IReadOnlyList<Placed> now;
        while (true)
        {
            now = await PlacementAsync(management);
            if (now.All(p => p.Silo.Equals(TenantOwnership.Owner(p.Tenant, after)))) break;
            Assert.True(sinceJoin.Elapsed < TimeSpan.FromMinutes(2), "the tenants of the new silo did not all move to it within 2 minutes: "
                + string.Join(", ", now.Where(p => !p.Silo.Equals(TenantOwnership.Owner(p.Tenant, after))).Take(10).Select(p => $"{p.Grain} on {p.Silo}")));
            await Task.Delay(100);
        }
        var movedAfter = sinceJoin.Elapsed;
        moved.SetResult();
        var onNew = now.Where(p => p.Silo.Equals(joined)).ToArray();
        Assert.Equal(moving.Order(), onNew.Select(p => p.Tenant).Distinct().Order());
        // What was active before the join moved too, not only what was activated since.
        Assert.Contains(placed, p => moving.Contains(p.Tenant) && onNew.Any(n => n.Grain == p.Grain));
        await Task.WhenAll(senders);

        var during = latencies.Where(l => l.DuringMove).Select(l => l.Seconds).Order().ToArray();
        Report($"silo join: {moving.Length} of {Tenants.Length} tenants ({onNew.Length} activations) moved to the new silo within "
            + $"{movedAfter.TotalSeconds:F2} s of its joining; {during.Length} batches acknowledged meanwhile, slowest {(during.Length > 0 ? during[^1] : 0):F2} s "
            + $"(median {(during.Length > 0 ? during[during.Length / 2] : 0):F3} s), {retriesDuringMove} retried ({retries} retries in all)");
        Assert.NotEmpty(during);

        var embedded = await EmbeddedFiguresAsync(events);
        for (var t = 0; t < Tenants.Length; t++)
        {
            using var readerA = ClusterFailoverTests.Reader(apis[0].Address, tokens[t], TimeSpan.FromSeconds(30));
            using var readerB = ClusterFailoverTests.Reader(apis[1].Address, tokens[t], TimeSpan.FromSeconds(30));

            // Every acknowledged message is in its session's transcript exactly once.
            var expected = events[t].Select(e => e switch
                {
                    MessageReceived m => (e.SessionId!, m.Message.Id),
                    MessageSent m => (e.SessionId!, m.Message.Id),
                    _ => default,
                }).Where(x => x != default).GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Select(x => x.Item2).Order().ToArray());
            foreach (var (session, ids) in expected)
            {
                Assert.Equal(ids, (await ClusterFailoverTests.MessageIdsAsync(readerA, session)).Order());
            }

            // Both Api nodes answer the same figures, and they are those of one embedded process given the same events.
            var clusterFigures = await Figures.ReadAsync(readerA, activity: false);
            Assert.Equal(clusterFigures, await Figures.ReadAsync(readerB, activity: false));
            Assert.Equal(embedded[t], clusterFigures);

            // The tenant's dashboards on both nodes converged on those figures (pushed, not read).
            var summary = (await readerA.GetFromJsonAsync<JsonObject>("/api/v1/live/summary"))!;
            summary.Remove("asOf");
            await dashboards[t].ConvergedAsync(summary.ToJsonString(), await ClusterFailoverTests.SessionStatesAsync(readerA), TimeSpan.FromSeconds(30));
        }
    }

    private sealed record Placed(string Tenant, GrainId Grain, SiloAddress Silo);

    /// <summary>Every activation of the tenants' grains and its silo, as the silos' catalogs list them now.</summary>
    private static async Task<IReadOnlyList<Placed>> PlacementAsync(IManagementGrain management)
        => [.. (await management.GetDetailedGrainStatistics())
            .Where(s => Kinds.Contains(s.GrainId.Type.ToString()))
            .Select(s => new Placed(System.Text.Encoding.UTF8.GetString(TenantOwnership.TenantOf(s.GrainId)), s.GrainId, s.SiloAddress))
            .Where(p => Tenants.Contains(p.Tenant))];

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

    /// <summary>An Api node that is an Orleans client only is ready once a gateway of the cluster answers.</summary>
    private static async Task ReadyAsync(Uri address, string clusterId)
    {
        using var probe = new HttpClient { BaseAddress = address };
        probe.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("crash/admin:crash-password"u8.ToArray()));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var ready = await probe.GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            if (ready.StatusCode == HttpStatusCode.OK && body.Contains($"connected to cluster {clusterId}", StringComparison.Ordinal)) return;
            Assert.True(DateTime.UtcNow < deadline, $"the Api node was not ready within 60 s: {body}");
            await Task.Delay(200);
        }
    }

    private static async Task<string> CreateTenantAsync(Uri address, string platformToken, string tenant, string timeZone)
    {
        using var client = ClusterFailoverTests.Reader(address, platformToken, TimeSpan.FromSeconds(30));
        var created = await client.PostAsJsonAsync("/api/v1/tenants", new { id = tenant, timeZone, admin = new { username = "admin", password = Password } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ingestKey").GetString()!;
    }

    private static async Task<string> TokenAsync(Uri address, string tenant, string username, string password)
    {
        using var client = new HttpClient { BaseAddress = address };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant, username, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>Each tenant's figures in one embedded process given the same events.</summary>
    private static async Task<string[]> EmbeddedFiguresAsync(IReadOnlyList<LiveEvent>[] events)
    {
        var directory = Directory.CreateTempSubdirectory("lo-embedded-").FullName;
        try
        {
            // Embedded whichever pass this is: the reference the cluster's figures are held to.
            await using var engine = await EngineProcess.StartAsync(directory, new Dictionary<string, string>(Settings) { ["Storage__Provider"] = "Sqlite" });
            var platform = await TokenAsync(engine.Address, "crash", "admin", "crash-password");
            var figures = new string[Tenants.Length];
            for (var t = 0; t < Tenants.Length; t++)
            {
                using var producer = new HttpClient { BaseAddress = engine.Address };
                producer.DefaultRequestHeaders.Add("X-Api-Key", await CreateTenantAsync(engine.Address, platform, Tenants[t], ZoneOf(t)));
                foreach (var batch in events[t].Chunk(500))
                {
                    var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch }, LiveJson.Options);
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                }
                using var reader = ClusterFailoverTests.Reader(engine.Address, await TokenAsync(engine.Address, Tenants[t], "admin", Password), TimeSpan.FromSeconds(30));
                figures[t] = await Figures.ReadAsync(reader, activity: false);
            }
            return figures;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
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
}

using System.Net;
using System.Net.Http.Json;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// Metrics are process-wide (static instruments): the test classes that read their figures run alone, not beside
/// other classes' traffic in the same test process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary>/metrics (Prometheus, for the platform administrator) and the health endpoints, through HTTP.</summary>
[Collection(MetricsCollection.Name)]
[Trait("Category", "http")]
public sealed class ObservabilityTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private async Task<string> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await api.LoginAsync("platform", "admin", LiveApi.PlatformPassword));
        var response = await api.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A counter's value in Prometheus' text format (0 when absent), summed over its label sets matching <paramref name="labels"/>.</summary>
    private static double Value(string scrape, string name, string labels = "")
        => scrape.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length > name.Length && (l[name.Length] == ' ' || l[name.Length] == '{')) && l.Contains(labels, StringComparison.Ordinal))
            .Sum(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_ingest_counters_move_with_traffic_and_the_engine_reports_its_figures()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var before = await ScrapeAsync();

        await tenant.IngestAsync(Ev.Started("m1", T), Ev.Received("m1", T), Ev.Started("m2", T));
        var duplicate = Ev.Received("m2", T, id: "dup-1");
        await tenant.IngestAsync(duplicate);
        await tenant.IngestAsync(duplicate);
        var invalid = await tenant.PostEventsAsync(Ev.Started("m3", T), new { id = "bad", type = "session_started", timestamp = "yesterday", sessionId = "m3" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var after = await ScrapeAsync();

        Assert.Equal(4, Value(after, "liveorleans_events_accepted_total") - Value(before, "liveorleans_events_accepted_total"));
        Assert.Equal(1, Value(after, "liveorleans_events_duplicated_total") - Value(before, "liveorleans_events_duplicated_total"));
        Assert.Equal(2, Value(after, "liveorleans_events_refused_total", "reason=\"invalid\"") - Value(before, "liveorleans_events_refused_total", "reason=\"invalid\""));
        // Three answered batches in the latency histogram; group commits; the runtime's and Orleans' own meters.
        Assert.Equal(3, Value(after, "liveorleans_ingest_duration_seconds_count") - Value(before, "liveorleans_ingest_duration_seconds_count"));
        Assert.True(Value(after, "liveorleans_log_commit_entries_count") > Value(before, "liveorleans_log_commit_entries_count"));
        Assert.Contains("\nliveorleans_sessions_live", after);
        Assert.Contains("\norleans_", after);
        Assert.Contains("\ndotnet_", after);
    }

    [Fact]
    public async Task Metrics_are_for_the_platform_administrator_only()
    {
        var tenant = await api.NewTenantAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client.GetAsync("/metrics")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.AdminToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Health_live_and_ready_answer_with_their_checks()
    {
        var live = await api.Client.GetAsync("/health/live");
        var ready = await api.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("silo").GetProperty("status").GetString());
        Assert.Equal("healthy", checks.GetProperty("store").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readiness_without_credentials_names_each_check_but_not_the_store_or_the_silo_address()
    {
        var store = api.Services.GetRequiredService<LiveOrleans.Storage.IStoreDatabase>().Description;
        var silo = api.Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().SiloAddress;

        var anonymous = await api.Client.GetAsync("/health/ready");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.PlatformToken);
        var administrator = await api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        var plain = await anonymous.Content.ReadAsStringAsync();
        var checks = JsonDocument.Parse(plain).RootElement.GetProperty("checks");
        Assert.Equal(["silo", "store"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("""{"status":"healthy"}""", c.Value.GetRawText()));
        Assert.DoesNotContain(store, plain);
        Assert.DoesNotContain(silo.Endpoint.Address.ToString(), plain);
        Assert.DoesNotContain(silo.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), plain);
        // The platform administrator sees what each check found.
        var detailed = await administrator.Content.ReadAsStringAsync();
        Assert.Contains(store, detailed);
        Assert.Contains($"silo {silo} is active", detailed);
    }
}

/// <summary>A scraper inside a configured network (<c>Telemetry:MetricsNetworks</c>) needs no credentials: over a real socket.</summary>
[Trait("Category", "http")]
public sealed class MetricsNetworkTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-metrics-").FullName;

    [Fact]
    public async Task A_scraper_from_a_configured_network_reads_metrics_without_credentials()
    {
        await using var engine = await EngineProcess.StartAsync(_directory, new Dictionary<string, string> { ["Telemetry__MetricsNetworks"] = "10.0.0.0/8, 127.0.0.0/8" });
        using var client = new HttpClient { BaseAddress = engine.Address };
        // One event through this node, so its own meter has something to say whatever silo its grains live on.
        using var ingest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = JsonContent.Create(new { events = new[] { Ev.Started("metrics-1", DateTimeOffset.UtcNow) } }),
        };
        ingest.Headers.Add("X-Api-Key", "lo_crash_key");
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(ingest)).StatusCode);

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("liveorleans_events_accepted", await response.Content.ReadAsStringAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>
/// The real Api in process (WebApplicationFactory) on its own SQLite file (or, in the cluster pass, its own
/// PostgreSQL database: see <see cref="TestStore"/>), with a clock the test moves.
/// Tests share one per class and isolate themselves by creating a tenant each.
/// </summary>
public class LiveApi : IAsyncLifetime
{
    public const string PlatformPassword = "platform-secret";
    public const string BootstrapKey = "lo_test_bootstrap_key";
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"lo-api-{Guid.NewGuid():N}");
    private WebApplicationFactory<Program>? _factory;
    private string? _platformToken;
    private string? _postgres;
    private int _tenants;

    /// <summary>
    /// The engine's <c>LiveTime</c> clock (Orleans keeps its own), set by the tests with <c>AdjustTime</c>: the tests of a
    /// class share one engine and run in any order, so a test may set it before the time another set.
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(Start);

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The host's services (the routing table, say).</summary>
    public IServiceProvider Services => _factory!.Services;

    /// <summary>Extra configuration, e.g. <c>Ingest:EventsPerSecondPerTenant</c>.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public string DatabasePath => Path.Combine(_directory, "live.db");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Storage:SqlitePath", DatabasePath);
            if (TestStore.Cluster)
            {
                _postgres = LiveOrleans.Testing.PostgresServer.CreateDatabase("lo_api");
                builder.UseSetting("Storage:Provider", "PostgreSql");
                builder.UseSetting("ConnectionStrings:PostgreSql", _postgres);
                builder.UseSetting("Orleans:ClusterId", "api-" + Guid.NewGuid().ToString("N")[..8]);
                builder.UseSetting("Orleans:AdvertisedIP", "127.0.0.1");
            }
            builder.UseSetting("Bootstrap:Tenant", "platform");
            builder.UseSetting("Bootstrap:AdminPassword", PlatformPassword);
            builder.UseSetting("Bootstrap:IngestKey", BootstrapKey);
            foreach (var (key, value) in FreePorts.ForSilo()) builder.UseSetting(key, value);
            foreach (var (key, value) in Settings) builder.UseSetting(key, value);
            builder.ConfigureServices(services => services.AddKeyedSingleton<TimeProvider>(LiveOrleans.Live.LiveTime.Key, Clock));
        });
        Client = _factory.CreateClient();
        _platformToken = await LoginAsync("platform", "admin", PlatformPassword);
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgres is not null) LiveOrleans.Testing.PostgresServer.DropDatabase(_postgres);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    public string PlatformToken => _platformToken!;

    public async Task<string> LoginAsync(string tenant, string username, string password)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/auth/token", new { tenant, username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("accessToken").GetString()!;
    }

    /// <summary>Creates a fresh tenant through the platform admin, signs its admin in.</summary>
    public async Task<TestTenant> NewTenantAsync(string timeZone = "UTC")
    {
        var id = $"t{Interlocked.Increment(ref _tenants)}-{Guid.NewGuid().ToString("N")[..6]}";
        // Signed in again each time: tests move the clock, and a token from another hour may have expired.
        _platformToken = await LoginAsync("platform", "admin", PlatformPassword);
        var response = await SendAsync(HttpMethod.Post, "/api/v1/tenants", PlatformToken,
            new { id, name = $"Tenant {id}", timeZone, admin = new { username = "boss", password = "boss-password" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var token = await LoginAsync(id, "boss", "boss-password");
        return new TestTenant(this, id, body.GetProperty("ingestKey").GetString()!, token);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await Client.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string path, string token)
    {
        var response = await SendAsync(HttpMethod.Get, path, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>A tenant of a test: its ingest key and its admin's token.</summary>
public sealed class TestTenant(LiveApi api, string id, string ingestKey, string adminToken)
{
    public string Id { get; } = id;
    public string IngestKey { get; } = ingestKey;
    public string AdminToken { get; } = adminToken;
    public LiveApi Api { get; } = api;

    public Task<HttpResponseMessage> PostEventsAsync(params object[] events)
        => Api.SendAsync(HttpMethod.Post, "/api/v1/events", null, new { events }, IngestKey);

    /// <summary>Sends events and expects them accepted; answers the 202 body.</summary>
    public async Task<JsonElement> IngestAsync(params object[] events)
    {
        var response = await PostEventsAsync(events);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"ingest answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path, string? token = null) => Api.GetJsonAsync(path, token ?? AdminToken);

    public async Task<int[]> SummaryAsync(string query = "")
    {
        var s = await GetAsync("/api/v1/live/summary" + query);
        return [.. new[] { "activeConversations", "waitingForFirstResponse", "assigned", "unassigned", "open", "closed" }.Select(n => s.GetProperty(n).GetInt32())];
    }

    public async Task<int[]> HoursAsync(string query = "")
        => [.. (await GetAsync("/api/v1/live/hourly" + query)).GetProperty("hours").EnumerateArray().Select(h => h.GetInt32())];

    public async Task<JsonElement[]> CardsAsync(string query = "")
        => [.. (await GetAsync("/api/v1/live/sessions" + query)).GetProperty("items").EnumerateArray()];

    public async Task<JsonElement> CardAsync(string sessionId) => await GetAsync($"/api/v1/sessions/{sessionId}");

    /// <summary>What the control stream (<c>GET /api/v1/control</c>, the tenant's API key) sends within a second; it never ends.</summary>
    public async Task<string> ControlStreamAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/control");
        request.Headers.Add("X-Api-Key", IngestKey);
        using var response = await Api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Xunit.Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var read = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var text = new System.Text.StringBuilder();
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync(read.Token) is { } line) text.Append(line).Append('\n');
        }
        catch (OperationCanceledException) { }
        return text.ToString();
    }

    /// <summary>Creates a person of this tenant and signs them in.</summary>
    public async Task<string> UserTokenAsync(string username, string role, string? agentId = null)
    {
        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/users", AdminToken,
            new { username, password = "person-password", name = username, role, agentId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await Api.LoginAsync(Id, username, "person-password");
    }
}

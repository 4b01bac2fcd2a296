using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using LiveOrleans.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace LiveOrleans.Bench;

/// <summary>The engine as the run command starts it (embedded mode, SQLite file, Kestrel on loopback), in this process.</summary>
public sealed class BenchEngine : IAsyncDisposable
{
    public const string Key = "lo_bench_key";
    private readonly WebApplication _app;
    private readonly string _directory;

    private BenchEngine(WebApplication app, string directory, Uri address)
    {
        _app = app;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<BenchEngine> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lo-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:SqlitePath"] = Path.Combine(directory, "live.db"),
            ["Bootstrap:Tenant"] = "bench",
            ["Bootstrap:AdminPassword"] = "bench-password",
            ["Bootstrap:IngestKey"] = Key,
            ["Ingest:EventsPerSecondPerTenant"] = "10000000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddLiveApi();
        var app = builder.Build();
        app.MapLiveApi();
        await app.StartAsync();
        return new BenchEngine(app, directory, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>A producer client; without a key it uses the bootstrap tenant's.</summary>
    public HttpClient Producer(string key = Key)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>Creates tenants through the platform administrator, as an operator would; answers their ingest keys.</summary>
    public async Task<string[]> CreateTenantsAsync(int count)
    {
        using var admin = await ReaderAsync();
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/tenants", new
            {
                id = $"tenant-{i}", name = $"Tenant {i}", timeZone = i % 2 == 0 ? "Europe/Berlin" : "America/New_York",
                admin = new { username = "admin", password = "bench-password" },
            });
            response.EnsureSuccessStatusCode();
            keys[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ingestKey").GetString()!;
        }
        return keys;
    }

    public async Task<HttpClient> ReaderAsync()
    {
        var client = new HttpClient { BaseAddress = Address };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "bench", username = "admin", password = "bench-password" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

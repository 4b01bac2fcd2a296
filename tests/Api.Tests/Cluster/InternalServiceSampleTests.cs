using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Testing;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>The sample internal service (samples/InternalService), run as a user runs it, against a cluster.</summary>
[Collection("cluster")]
[Trait("Category", "cluster")]
public sealed class InternalServiceSampleTests
{
    [Fact]
    public async Task The_sample_lists_live_sessions_and_pauses_one_audited_with_its_reason_and_service_identity()
    {
        await using var cluster = new ClusterProcesses();
        await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(client: false);
        using var http = new HttpClient { BaseAddress = api.Address };
        var now = DateTimeOffset.UtcNow;
        using (var ingest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = JsonContent.Create(new { events = new object[] { Ev.Started("svc-1", now, agent: "claims-bot"), Ev.Received("svc-1", now, "My card was stolen"), Ev.Started("svc-2", now) } }),
        })
        {
            ingest.Headers.Add("X-Api-Key", "lo_crash_key");
            Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(ingest)).StatusCode);
        }

        var (listed, listing) = await RunSampleAsync(cluster, "--tenant", "crash");
        Assert.Equal(0, listed);
        Assert.Contains("2 live sessions in tenant crash", listing);
        Assert.Contains("svc-1", listing);
        Assert.Contains("My card was stolen", listing);

        var (paused, pausing) = await RunSampleAsync(cluster, "--tenant", "crash", "--pause", "svc-1", "--reason", "Escalated by the fraud check", "--service", "fraud-check");
        Assert.Equal(0, paused);
        Assert.Contains("paused svc-1", pausing);

        // Audited exactly as an HTTP intervention: in the tenant's chain, with the reason and who did it.
        var login = await http.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        var audit = await http.GetFromJsonAsync<JsonElement>("/api/v1/interventions?sessionId=svc-1");
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.Equal(("pause", "Escalated by the fraud check", "service:fraud-check"),
            (entry.GetProperty("type").GetString(), entry.GetProperty("reason").GetString(), entry.GetProperty("adminId").GetString()));
        Assert.True((await http.GetFromJsonAsync<JsonElement>("/api/v1/interventions/verify")).GetProperty("intact").GetBoolean());
        var session = await http.GetFromJsonAsync<JsonElement>("/api/v1/sessions/svc-1");
        Assert.Equal("paused", session.GetProperty("state").GetString());

        // A reason is required, as over HTTP.
        var (refused, refusal) = await RunSampleAsync(cluster, "--tenant", "crash", "--pause", "svc-2");
        Assert.Equal(2, refused);
        Assert.Contains("--reason", refusal);
    }

    private static async Task<(int ExitCode, string Output)> RunSampleAsync(ClusterProcesses cluster, params string[] arguments)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(PostgresServer.RepositoryRoot(), "samples", "InternalService", "bin", configuration, "net10.0", "LiveOrleans.Samples.InternalService.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in cluster.Settings()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}

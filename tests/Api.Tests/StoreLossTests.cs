using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// The embedded store taken away under a running engine (its file deleted, its disk full), through HTTP against the
/// real engine process: writes that cannot be made durable are answered 503 with Retry-After, never 202 or 201; the
/// engine is not ready while so; what was acknowledged stays; and an engine never starts a new store over one that
/// existed. Embedded mode in either pass: these are faults of the SQLite file.
/// </summary>
[Trait("Category", "http")]
public sealed class StoreLossTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Embedded = new() { ["Storage__Provider"] = "Sqlite" };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"lo-store-{Guid.NewGuid():N}");
    private string? _mounted;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_mounted is not null) await RunAsync("umount", "-l", _mounted);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_store_deleted_under_the_engine_refuses_writes_is_not_ready_and_is_never_started_afresh()
    {
        var store = Path.Combine(_directory, "live.db");
        await using (var engine = await EngineProcess.StartAsync(_directory, Embedded))
        {
            using var producer = Producer(engine.Address);
            using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
            var first = await producer.PostAsJsonAsync("/api/v1/events", new { events = new[] { Ev.Started("gone-1", DateTimeOffset.UtcNow), Ev.Received("gone-1", DateTimeOffset.UtcNow) } });
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

            foreach (var file in new[] { store, store + "-wal", store + "-shm" }) File.Delete(file);

            var ingest = await producer.PostAsJsonAsync("/api/v1/events", new { events = new[] { Ev.Received("gone-1", DateTimeOffset.UtcNow, text: "after the store went") } });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ingest.StatusCode);
            Assert.NotNull(ingest.Headers.RetryAfter);
            Assert.Contains("the batch was not acknowledged; send it again after the time in Retry-After", (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

            var intervention = await reader.PostAsJsonAsync("/api/v1/sessions/gone-1/interventions", new { type = "pause", reason = "store gone" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, intervention.StatusCode);
            Assert.NotNull(intervention.Headers.RetryAfter);
            Assert.Contains("nothing of this request was stored", (await intervention.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

            // A sign-in, which reads the Api's tables, cannot open the file any more: 503 too, not 500 "no such table".
            using (var anonymous = new HttpClient { BaseAddress = engine.Address })
            {
                var signIn = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });
                Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
                Assert.NotNull(signIn.Headers.RetryAfter);

                // Without credentials, readiness names the failing check but not the store's path nor why it failed.
                var anonymousReady = await anonymous.GetAsync("/health/ready");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, anonymousReady.StatusCode);
                var plain = await anonymousReady.Content.ReadAsStringAsync();
                Assert.Equal("""{"status":"unhealthy"}""", JsonDocument.Parse(plain).RootElement.GetProperty("checks").GetProperty("store").GetRawText());
                Assert.DoesNotContain(_directory, plain);
            }

            var ready = await reader.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var readiness = await ready.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(readiness.TryGetProperty("checks", out var checks), $"readiness answered {readiness}");
            Assert.Equal("unhealthy", checks.GetProperty("store").GetProperty("status").GetString());

            // Nothing recreated the file while the engine ran on.
            Assert.False(File.Exists(store), "the engine recreated the deleted store");
            await engine.StopAsync();
        }
        Assert.False(File.Exists(store), "the engine recreated the deleted store while stopping");

        var (exitCode, output) = await EngineProcess.RunUntilExitAsync(_directory, Embedded);

        Assert.Equal(3, exitCode);
        Assert.Contains($"The store {store} is missing but {store}.id says store", output);
        Assert.Contains($"Restore the file (with its -wal file, if you have it) from a backup, or delete {store}.id to start afresh on purpose.", output);
        Assert.DoesNotContain("created tenant", output);
        Assert.False(File.Exists(store), "the refused start created a store");
    }

    [Fact]
    public async Task On_a_full_disk_writes_answer_503_until_space_is_freed_and_every_acknowledged_event_is_kept()
    {
        // The store on a small tmpfs of its own (root, as in CI): filled, then freed.
        var mount = Path.Combine(_directory, "store");
        Directory.CreateDirectory(mount);
        var (mountExit, mountOutput) = await RunAsync("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount);
        Assert.True(mountExit == 0, $"This test needs to mount a small tmpfs (as root, as CI runs it) to fill a disk; `mount -t tmpfs -o size=24m tmpfs {mount}` failed ({mountExit}): {mountOutput}");
        _mounted = mount;
        var settings = new Dictionary<string, string>(Embedded) { ["Storage__SqlitePath"] = Path.Combine(mount, "live.db") };

        await using var engine = await EngineProcess.StartAsync(_directory, settings);
        using var producer = Producer(engine.Address);
        using var reader = await engine.ExplainingAsync(() => ReaderAsync(engine.Address));
        var acknowledged = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await producer.PostAsJsonAsync("/api/v1/events", new { events = Batch($"full-{i}") })).StatusCode);
            acknowledged.Add($"full-{i}");
        }

        var filler = Path.Combine(mount, "filler");
        Fill(filler);
        HttpResponseMessage? refused = null;
        string? refusedSession = null;
        for (var i = 3; i < 500 && refused is null; i++)
        {
            var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = Batch($"full-{i}") });
            if (response.StatusCode == HttpStatusCode.Accepted) acknowledged.Add($"full-{i}");
            else
            {
                refused = response;
                refusedSession = $"full-{i}";
            }
        }
        Assert.NotNull(refused);
        var refusedBody = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage, $"{(int)refused.StatusCode}: {refusedBody}");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("database or disk is full", engine.Output); // refused for the full disk, not for something else
        var ready = await reader.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("unhealthy", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("store").GetProperty("status").GetString());

        // One more batch while the disk is still full: if refused, none of it may be stored (it is never sent again).
        var unsent = await producer.PostAsJsonAsync("/api/v1/events", new { events = Batch("full-unsent") });
        Assert.True(unsent.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage, $"{(int)unsent.StatusCode}");
        if (unsent.StatusCode == HttpStatusCode.Accepted) acknowledged.Add("full-unsent");

        File.Delete(filler);
        var deadline = Stopwatch.StartNew();
        while ((await reader.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "/health/ready did not answer 200 within 60 s of the space being freed");
            await Task.Delay(250);
        }
        var retried = await producer.PostAsJsonAsync("/api/v1/events", new { events = Batch(refusedSession!) });
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        acknowledged.Add(refusedSession!);

        foreach (var session in acknowledged)
        {
            var detail = await reader.GetAsync($"/api/v1/sessions/{session}?limit=500");
            Assert.True(detail.StatusCode == HttpStatusCode.OK, $"{session}: {(int)detail.StatusCode}");
            var messages = (await detail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").EnumerateArray()
                .Select(m => m.GetProperty("text").GetString()).ToArray();
            Assert.Equal(Enumerable.Range(0, BatchSize).Select(n => Text(session, n)).Order(), messages.Order());
        }
        if (unsent.StatusCode != HttpStatusCode.Accepted)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/api/v1/sessions/full-unsent")).StatusCode);
        }
    }

    private const int BatchSize = 20;

    /// <summary>One session's batch: its start and <see cref="BatchSize"/> messages of 8 KB each, ids the session's own (a resend is a duplicate).</summary>
    private static object[] Batch(string session)
    {
        var at = DateTimeOffset.UtcNow;
        return [Ev.Started(session, at, id: $"{session}-start"), .. Enumerable.Range(0, BatchSize).Select(n => Ev.Received(session, at, text: Text(session, n), id: $"{session}-{n}"))];
    }

    private static string Text(string session, int n) => $"{session}-{n} " + new string((char)('a' + n % 26), 8 * 1024);

    /// <summary>Writes <paramref name="path"/> until the file system has no room left.</summary>
    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var chunk = new byte[1024 * 1024];
        Random.Shared.NextBytes(chunk);
        foreach (var size in new[] { chunk.Length, 4096, 512 })
        {
            try
            {
                while (true)
                {
                    file.Write(chunk, 0, size);
                    file.Flush(flushToDisk: true);
                }
            }
            catch (IOException) { }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static HttpClient Producer(Uri address)
    {
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Add("X-Api-Key", "lo_crash_key");
        return client;
    }

    private static async Task<HttpClient> ReaderAsync(Uri address)
    {
        var client = new HttpClient { BaseAddress = address };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

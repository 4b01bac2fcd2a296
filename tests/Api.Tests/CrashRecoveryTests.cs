using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/runtime.md, "Ingest: from a request to a 202": an acknowledged event survives a kill, and is applied exactly once.</summary>
[Trait("Category", "http")]
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const int Sessions = 20;
    private const int Senders = 4;
    private const int BatchSize = 10;
    private const int AcksBeforeKill = 120;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"lo-crash-{Guid.NewGuid():N}");

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
    public async Task Every_acknowledged_event_is_applied_exactly_once_after_a_kill_and_a_restart()
    {
        // Snapshots every few entries and every 200 ms, so the restart loads snapshots and replays a tail.
        var settings = new Dictionary<string, string> { ["Live__SessionSnapshotEntries"] = "7", ["Live__SnapshotInterval"] = "00:00:00.200" };
        var acknowledged = new ConcurrentBag<object[]>();
        var acks = 0;
        await using (var engine = await EngineProcess.StartAsync(_directory, settings))
        {
            using var client = Producer(engine.Address);
            var kill = new TaskCompletionSource();
            var senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                for (var batch = 0; !kill.Task.IsCompleted; batch++)
                {
                    var events = Enumerable.Range(0, BatchSize).Select(i =>
                        (object)Ev.Received($"s{(batch * BatchSize + i + sender) % Sessions}", DateTimeOffset.UtcNow, text: $"e-{sender}-{batch}-{i}", id: $"e-{sender}-{batch}-{i}")).ToArray();
                    HttpResponseMessage response;
                    try
                    {
                        response = await client.PostAsJsonAsync("/api/v1/events", new { events });
                    }
                    catch (HttpRequestException)
                    {
                        return; // the engine is gone: this batch was never acknowledged
                    }
                    if (response.StatusCode != HttpStatusCode.Accepted) continue;
                    acknowledged.Add(events);
                    if (Interlocked.Increment(ref acks) == AcksBeforeKill) kill.TrySetResult();
                }
            })).ToArray();
            await kill.Task.WaitAsync(TimeSpan.FromSeconds(60));
            engine.Kill();
            await Task.WhenAll(senders);
        }

        await using var restarted = await EngineProcess.StartAsync(_directory, settings);
        using var reader = await Reader(restarted.Address);
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var s = 0; s < Sessions; s++)
        {
            string? cursor = null;
            do
            {
                var detail = await reader.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/s{s}?limit=500" + (cursor is null ? "" : $"&cursor={cursor}"));
                foreach (var message in detail.GetProperty("messages").EnumerateArray())
                {
                    var text = message.GetProperty("text").GetString()!;
                    stored[text] = stored.GetValueOrDefault(text) + 1;
                }
                cursor = detail.GetProperty("nextCursor").GetString();
            }
            while (cursor is not null);
        }

        var ackedIds = acknowledged.SelectMany(b => b).Select(e => (string)((Dictionary<string, object?>)e)["id"]!).ToArray();
        Assert.True(ackedIds.Length >= AcksBeforeKill * BatchSize);
        Assert.All(stored, pair => Assert.Equal(1, pair.Value));
        var missing = ackedIds.Where(id => !stored.ContainsKey(id)).ToArray();
        Assert.Empty(missing);

        // The duplicate index survived too: sending every acknowledged batch again stores nothing new.
        using var producer = Producer(restarted.Address);
        var duplicates = 0;
        foreach (var batch in acknowledged)
        {
            var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch });
            duplicates += (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicates").GetInt32();
        }
        Assert.Equal(ackedIds.Length, duplicates);
    }

    private static HttpClient Producer(Uri address)
    {
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Add("X-Api-Key", "lo_crash_key");
        return client;
    }

    private static async Task<HttpClient> Reader(Uri address)
    {
        var client = new HttpClient { BaseAddress = address };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Simulator;

namespace LiveOrleans.Api.Tests;

/// <summary>The simulator against the real engine: consistent figures after a run, and the demo mode of the run command.</summary>
[Trait("Category", "http")]
public sealed class SimulatorRunTests(LiveApi api) : IClassFixture<LiveApi>
{
    [Fact]
    public async Task An_engine_fed_a_simulator_run_ends_with_consistent_figures()
    {
        var now = DateTimeOffset.UtcNow;
        api.Clock.AdjustTime(now);
        var one = await api.NewTenantAsync("Europe/Berlin");
        var two = await api.NewTenantAsync("America/New_York");
        var model = new TrafficModel(21, [new SimulatedTenant("one", "Europe/Berlin"), new SimulatedTenant("two", "America/New_York")], now, sessionsPerMinute: 120);

        var report = await new SimulationRunner(api.Client, [one.IngestKey, two.IngestKey], model).RunAtRateAsync(2_000, TimeSpan.FromSeconds(3));

        api.Clock.AdjustTime(DateTimeOffset.UtcNow); // the runner stamps events with the real clock
        Assert.Equal(0, report.Errors);
        Assert.True(report.Sent > 1_000, report.ToString());
        Assert.Equal(report.Sent, report.Accepted);
        foreach (var tenant in new[] { one, two })
        {
            foreach (var query in new[] { "", "?channels=web,whatsapp", "?teams=sales", "?owners=alice,bob", "?teams=support&channels=phone,sip" })
            {
                var s = await tenant.SummaryAsync(query);
                Assert.Equal(s[0], s[2] + s[3]);
                Assert.Equal(s[0], s[4] + s[5]);
            }
            Assert.True((await tenant.SummaryAsync())[0] > 0);
            var metrics = await tenant.GetAsync("/api/v1/live/metrics");
            Assert.True(metrics.GetProperty("startedLastHour").GetInt32() > 0);
        }
    }

    [Fact]
    public async Task The_simulator_obeys_and_acknowledges_a_pause_through_the_control_stream()
    {
        api.Clock.AdjustTime(DateTimeOffset.UtcNow);
        var tenant = await api.NewTenantAsync();
        var model = new TrafficModel(5, [new SimulatedTenant("only", "UTC")], DateTimeOffset.UtcNow.Date.AddHours(11), sessionsPerMinute: 60);
        var run = new SimulationRunner(api.Client, [tenant.IngestKey], model).RunAsync(TimeSpan.FromSeconds(8), speed: 10);

        string? paused = null;
        for (var i = 0; i < 40 && paused is null; i++)
        {
            await Task.Delay(100);
            api.Clock.AdjustTime(DateTimeOffset.UtcNow);
            paused = (await tenant.CardsAsync("?statuses=active,thinking,streaming")).Select(c => c.GetProperty("sessionId").GetString()).FirstOrDefault();
        }
        Assert.NotNull(paused);
        var response = await api.SendAsync(HttpMethod.Post, $"/api/v1/sessions/{paused}/interventions", tenant.AdminToken, new { type = "pause", reason = "Review" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var report = await run;
        api.Clock.AdjustTime(DateTimeOffset.UtcNow);

        Assert.True(report.Controls >= 1, report.ToString());
        var detail = await tenant.CardAsync(paused!);
        Assert.Equal("paused", detail.GetProperty("state").GetString());
        var messages = detail.GetProperty("messages").EnumerateArray().ToList();
        var pauseAt = messages.FindIndex(m => m.GetProperty("format").GetString() == "system");
        Assert.True(pauseAt >= 0);
        Assert.DoesNotContain(messages.Skip(pauseAt + 1), m => m.GetProperty("direction").GetString() == "outgoing" && m.GetProperty("sender").GetProperty("kind").GetString() != "system");
        Assert.Single(detail.GetProperty("interventions").EnumerateArray());
    }

    [Fact]
    public async Task The_run_command_with_the_demo_option_shows_changing_figures_within_ten_seconds()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lo-demo-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            await using var engine = await EngineProcess.StartAsync(directory, new Dictionary<string, string> { ["Bootstrap__Tenant"] = "demo" }, "--demo");
            using var client = new HttpClient { BaseAddress = engine.Address };
            var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "demo", username = "admin", password = "crash-password" });
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var seen = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline && seen.Count < 2)
            {
                var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/live/summary");
                var metrics = await client.GetFromJsonAsync<JsonElement>("/api/v1/live/metrics");
                if (summary.GetProperty("activeConversations").GetInt32() > 0)
                    seen.Add($"{summary.GetProperty("activeConversations")}|{summary.GetProperty("waitingForFirstResponse")}|{metrics}");
                await Task.Delay(250);
            }
            Assert.True(seen.Count >= 2, $"figures seen: {string.Join(" / ", seen)}");
        }
        finally
        {
            TestStore.DropFor(directory);
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }
}

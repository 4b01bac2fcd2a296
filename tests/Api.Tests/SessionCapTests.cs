using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>The Api with a cap of 3 live sessions per tenant (<c>Live:MaxLiveSessionsPerTenant</c>).</summary>
public sealed class SessionCapApi : LiveApi
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Live:MaxLiveSessionsPerTenant", "3")];
}

/// <summary>A tenant at its live-session cap: new sessions get 429 with a clear detail, its live sessions go on, and ending one makes room.</summary>
[Trait("Category", "http")]
public sealed class SessionCapTests(SessionCapApi api) : IClassFixture<SessionCapApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    // The cap is checked against a count at most a second old.
    private static readonly TimeSpan CountAge = TimeSpan.FromSeconds(1.2);

    [Fact]
    public async Task New_sessions_beyond_the_cap_are_refused_with_429_while_live_ones_go_on_and_an_end_makes_room()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s1", T), Ev.Started("s2", T), Ev.Started("s3", T));
        await Task.Delay(CountAge);

        var refused = await tenant.PostEventsAsync(Ev.Received("s1", T.AddSeconds(1), "still here"), Ev.Started("s4", T.AddSeconds(1)));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("cap of 3 live sessions", detail);
        Assert.Contains("'s4'", detail);
        Assert.Contains("other 1 events were stored", detail);
        Assert.Equal(new[] { "s1", "s2", "s3" }, (await tenant.CardsAsync()).Select(c => c.GetProperty("sessionId").GetString()).Order().ToArray());
        Assert.Equal("still here", (await tenant.CardAsync("s1")).GetProperty("preview").GetString());
        var missing = await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/s4", tenant.AdminToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Another tenant is not affected by this one's cap.
        await other.IngestAsync(Ev.Started("s1", T), Ev.Started("s4", T));

        await tenant.IngestAsync(Ev.Ended("s2", T.AddSeconds(2)));
        await Task.Delay(CountAge);
        await tenant.IngestAsync(Ev.Started("s4", T.AddSeconds(3)));
        Assert.Equal("s4", (await tenant.CardAsync("s4")).GetProperty("sessionId").GetString());
    }
}

namespace LiveOrleans.Api.Tests;

/// <summary>The Api with a 30-minute inactivity time-out (<c>Live:InactiveSessionTimeout</c>).</summary>
public sealed class InactivityApi : LiveApi
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Live:InactiveSessionTimeout", Timeout.ToString())];
}

/// <summary>Sessions whose producer never sends <c>session_ended</c> are ended by the engine once idle for the time-out.</summary>
[Trait("Category", "http")]
public sealed class InactivityTests(InactivityApi api) : IClassFixture<InactivityApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task A_session_idle_for_the_time_out_ends_with_reason_idle_timeout_and_the_figures_and_activity_log_show_it()
    {
        api.Clock.AdjustTime(T.AddMinutes(25));
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("quiet", T), Ev.Received("quiet", T.AddMinutes(1), "Is anyone there?"),
            Ev.Started("busy", T.AddMinutes(10)), Ev.Received("busy", T.AddMinutes(20)));
        Assert.Equal(2, (await tenant.SummaryAsync())[0]);

        // "quiet" last spoke at 10:01: idle 30 minutes at 10:31. "busy" (10:20) has 19 minutes of silence then.
        api.Clock.AdjustTime(T.AddMinutes(31).AddSeconds(5));
        var quiet = await EventuallyAsync(tenant, "quiet", card => card.GetProperty("state").GetString() == "ended");

        Assert.Equal("idle_timeout", quiet.GetProperty("endReason").GetString());
        Assert.Equal(T.AddMinutes(31), quiet.GetProperty("endedAt").GetDateTimeOffset());
        var busy = await tenant.CardAsync("busy");
        Assert.NotEqual("ended", busy.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, busy.GetProperty("endReason").ValueKind);
        var activity = (await tenant.GetAsync("/api/v1/activity")).GetProperty("items").EnumerateArray().ToArray();
        var ended = Assert.Single(activity, a => a.GetProperty("type").GetString() == "session_ended");
        Assert.Equal("quiet", ended.GetProperty("sessionId").GetString());
        Assert.Contains("idle_timeout", ended.GetProperty("summary").GetString());

        // A later check does not end it twice, and "busy" ends when its own silence reaches the time-out.
        api.Clock.AdjustTime(T.AddMinutes(50).AddSeconds(5));
        await EventuallyAsync(tenant, "busy", card => card.GetProperty("state").GetString() == "ended");
        activity = (await tenant.GetAsync("/api/v1/activity")).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(new string?[] { "busy", "quiet" }, activity.Where(a => a.GetProperty("type").GetString() == "session_ended")
            .Select(a => a.GetProperty("sessionId").GetString()).ToArray());
    }

    [Fact]
    public async Task A_session_that_speaks_again_before_the_time_out_stays_live()
    {
        api.Clock.AdjustTime(T.AddMinutes(1));
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T), Ev.Received("s", T.AddMinutes(1)));
        api.Clock.AdjustTime(T.AddMinutes(29));
        await tenant.IngestAsync(Ev.Sent("s", T.AddMinutes(29)));
        api.Clock.AdjustTime(T.AddMinutes(45));
        // Two inactivity checks (each at most 3 s apart for a 30-minute time-out) pass on the real clock.
        await Task.Delay(TimeSpan.FromSeconds(7));

        Assert.Equal("active", (await tenant.CardAsync("s")).GetProperty("state").GetString());
    }

    private static async Task<JsonElement> EventuallyAsync(TestTenant tenant, string session, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var card = await tenant.CardAsync(session);
            if (done(card) || DateTime.UtcNow > deadline) return card;
            await Task.Delay(200);
        }
    }
}

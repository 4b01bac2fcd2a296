namespace LiveOrleans.Api.Tests;

/// <summary>docs/semantics.md, "Metrics bar": live sessions, starts and response times over the last 60 minutes.</summary>
[Trait("Category", "http")]
public sealed class MetricsBarTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task Average_response_time_is_from_a_customer_message_to_the_next_business_reply_in_the_window()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("old", T.AddHours(-3)), Ev.Received("old", T.AddHours(-3)), Ev.Sent("old", T.AddHours(-3).AddSeconds(60)),
            Ev.Started("a", T.AddMinutes(-10)), Ev.Received("a", T.AddMinutes(-10)), Ev.Sent("a", T.AddMinutes(-10).AddSeconds(5)),
            Ev.Started("b", T.AddMinutes(-5)), Ev.Received("b", T.AddMinutes(-5)), Ev.Received("b", T.AddMinutes(-5).AddSeconds(1)),
            Ev.Sent("b", T.AddMinutes(-5).AddSeconds(2), internalNote: true), Ev.Sent("b", T.AddMinutes(-5).AddSeconds(3)),
            Ev.Sent("b", T.AddMinutes(-4), "and another thing"));

        var metrics = await tenant.GetAsync("/api/v1/live/metrics");

        Assert.Equal(4000, metrics.GetProperty("avgResponseTimeMs").GetDouble());
        Assert.Equal(0, metrics.GetProperty("interventionRate").GetDouble());
    }

    [Fact]
    public async Task With_no_reply_in_the_window_the_average_is_null()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("a", T.AddMinutes(-10)), Ev.Received("a", T.AddMinutes(-10)));

        Assert.Equal(JsonValueKind.Null, (await tenant.GetAsync("/api/v1/live/metrics")).GetProperty("avgResponseTimeMs").ValueKind);
    }

    [Fact]
    public async Task Sessions_started_in_the_last_hour_roll_out_of_the_window()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("recent", T.AddMinutes(-30)), Ev.Received("recent", T.AddMinutes(-30)),
            Ev.Started("older", T.AddMinutes(-90)), Ev.Received("older", T.AddMinutes(-90)),
            Ev.Started("ended", T.AddMinutes(-20), channel: "phone"), Ev.Ended("ended", T.AddMinutes(-10)));

        var metrics = await tenant.GetAsync("/api/v1/live/metrics");
        Assert.Equal(2, metrics.GetProperty("liveSessions").GetInt32());
        Assert.Equal(2, metrics.GetProperty("startedLastHour").GetInt32());
        Assert.Equal(1, (await tenant.GetAsync("/api/v1/live/metrics?channels=phone")).GetProperty("startedLastHour").GetInt32());

        api.Clock.AdjustTime(T.AddMinutes(31));
        metrics = await tenant.GetAsync("/api/v1/live/metrics");
        Assert.Equal(1, metrics.GetProperty("startedLastHour").GetInt32());
        Assert.Equal(2, metrics.GetProperty("liveSessions").GetInt32());
    }
}

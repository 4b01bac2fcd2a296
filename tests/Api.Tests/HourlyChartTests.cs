namespace LiveOrleans.Api.Tests;

/// <summary>docs/semantics.md, "Today" and "Conversations initiated per hour", in the tenant's time zone.</summary>
[Trait("Category", "http")]
public sealed class HourlyChartTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task Customer_initiated_conversations_count_once_in_the_hour_of_their_first_message()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("c1", T.AddHours(-2).AddMinutes(5)), Ev.Received("c1", T.AddHours(-2).AddMinutes(5)),
            Ev.Received("c1", T.AddHours(-1).AddMinutes(1)), Ev.Sent("c1", T.AddHours(-1).AddMinutes(2)),
            Ev.Started("c2", T.AddHours(-2).AddMinutes(30)), Ev.Received("c2", T.AddHours(-2).AddMinutes(30)),
            Ev.Started("b1", T.AddHours(-1).AddMinutes(10)), Ev.Sent("b1", T.AddHours(-1).AddMinutes(10)),
            Ev.Received("b1", T.AddHours(-1).AddMinutes(15)));

        var hours = await tenant.HoursAsync();

        Assert.Equal(2, hours[8]);
        Assert.Equal(0, hours[9]);
        Assert.Equal(2, hours.Sum());
    }

    [Fact]
    public async Task The_chart_filters_by_the_conversation_team_now()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("c1", T.AddMinutes(-30), team: "sales"), Ev.Received("c1", T.AddMinutes(-30)),
            Ev.Started("c2", T.AddMinutes(-20), team: "sales"), Ev.Received("c2", T.AddMinutes(-20)));
        Assert.Equal(2, (await tenant.HoursAsync("?teams=sales"))[9]);

        await tenant.IngestAsync(Ev.Assigned("c2", T.AddMinutes(-1), owner: "alice", team: "support"));

        Assert.Equal(1, (await tenant.HoursAsync("?teams=sales"))[9]);
        Assert.Equal(1, (await tenant.HoursAsync("?teams=support"))[9]);
        Assert.Equal(1, (await tenant.HoursAsync("?owners=alice"))[9]);
        Assert.Equal(2, (await tenant.HoursAsync())[9]);
    }

    [Fact]
    public async Task Today_starts_again_at_local_midnight_in_the_tenant_time_zone()
    {
        // Europe/Berlin is UTC+1 in November: local midnight is 23:00Z.
        var beforeMidnight = new DateTimeOffset(2026, 11, 22, 22, 50, 0, TimeSpan.Zero);
        api.Clock.AdjustTime(beforeMidnight);
        var tenant = await api.NewTenantAsync("Europe/Berlin");
        await tenant.IngestAsync(Ev.Started("late", beforeMidnight.AddMinutes(-20)), Ev.Received("late", beforeMidnight.AddMinutes(-20)));
        var summary = await tenant.GetAsync("/api/v1/live/summary");
        Assert.Equal("2026-11-22", summary.GetProperty("day").GetString());
        Assert.Equal("Europe/Berlin", summary.GetProperty("timeZone").GetString());
        Assert.Equal(1, summary.GetProperty("activeConversations").GetInt32());
        Assert.Equal(1, (await tenant.HoursAsync())[23]);

        api.Clock.AdjustTime(beforeMidnight.AddMinutes(20));
        summary = await tenant.GetAsync("/api/v1/live/summary");
        Assert.Equal("2026-11-23", summary.GetProperty("day").GetString());
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0 }, await tenant.SummaryAsync());
        Assert.Equal(0, (await tenant.HoursAsync()).Sum());

        // Yesterday's conversation is active again with a message on the new day, but it was not initiated today.
        await tenant.IngestAsync(Ev.Received("late", beforeMidnight.AddMinutes(15)),
            Ev.Started("early", beforeMidnight.AddMinutes(16)), Ev.Received("early", beforeMidnight.AddMinutes(16)));
        Assert.Equal(new[] { 2, 2, 0, 2, 2, 0 }, await tenant.SummaryAsync());
        var hours = await tenant.HoursAsync();
        Assert.Equal(1, hours[0]);
        Assert.Equal(1, hours.Sum());
    }

    [Fact]
    public async Task A_late_event_stamped_yesterday_does_not_count_today()
    {
        var now = new DateTimeOffset(2026, 11, 22, 0, 30, 0, TimeSpan.Zero);
        api.Clock.AdjustTime(now);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("old", now.AddHours(-2)), Ev.Received("old", now.AddHours(-2)));

        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0 }, await tenant.SummaryAsync());
        Assert.Equal(0, (await tenant.HoursAsync()).Sum());
    }

    [Fact]
    public async Task On_a_fall_back_day_the_repeated_hour_adds_into_one_bucket()
    {
        // 2026-11-01 in New York: 01:00-01:59 happens twice (EDT, then EST).
        api.Clock.AdjustTime(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        var tenant = await api.NewTenantAsync("America/New_York");
        var firstOneThirty = new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero);
        var secondOneThirty = new DateTimeOffset(2026, 11, 1, 6, 30, 0, TimeSpan.Zero);
        var halfPastMidnight = new DateTimeOffset(2026, 11, 1, 4, 30, 0, TimeSpan.Zero);
        await tenant.IngestAsync(
            Ev.Started("a", firstOneThirty), Ev.Received("a", firstOneThirty),
            Ev.Started("b", secondOneThirty), Ev.Received("b", secondOneThirty),
            Ev.Started("c", halfPastMidnight), Ev.Received("c", halfPastMidnight));

        var chart = await tenant.GetAsync("/api/v1/live/hourly");
        var hours = chart.GetProperty("hours").EnumerateArray().Select(h => h.GetInt32()).ToArray();

        Assert.Equal("2026-11-01", chart.GetProperty("day").GetString());
        Assert.Equal(24, hours.Length);
        Assert.Equal(1, hours[0]);
        Assert.Equal(2, hours[1]);
        Assert.Equal(3, hours.Sum());
    }

    [Fact]
    public async Task On_a_spring_forward_day_the_skipped_hour_stays_empty()
    {
        // 2026-03-08 in New York: 02:00-02:59 does not happen.
        api.Clock.AdjustTime(new DateTimeOffset(2026, 3, 8, 12, 0, 0, TimeSpan.Zero));
        var tenant = await api.NewTenantAsync("America/New_York");
        var beforeJump = new DateTimeOffset(2026, 3, 8, 6, 59, 0, TimeSpan.Zero);
        var afterJump = new DateTimeOffset(2026, 3, 8, 7, 1, 0, TimeSpan.Zero);
        await tenant.IngestAsync(Ev.Started("a", beforeJump), Ev.Received("a", beforeJump), Ev.Started("b", afterJump), Ev.Received("b", afterJump));

        var hours = await tenant.HoursAsync();

        Assert.Equal([1, 0, 1], new[] { hours[1], hours[2], hours[3] });
    }

    [Fact]
    public async Task Changing_the_tenant_time_zone_moves_today()
    {
        api.Clock.AdjustTime(new DateTimeOffset(2026, 11, 22, 23, 30, 0, TimeSpan.Zero));
        var tenant = await api.NewTenantAsync();
        Assert.Equal("2026-11-22", (await tenant.GetAsync("/api/v1/live/summary")).GetProperty("day").GetString());

        var response = await api.SendAsync(HttpMethod.Put, "/api/v1/tenant", tenant.AdminToken, new { timeZone = "Asia/Tokyo" });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        var summary = await tenant.GetAsync("/api/v1/live/summary");
        Assert.Equal("2026-11-23", summary.GetProperty("day").GetString());
        Assert.Equal("Asia/Tokyo", summary.GetProperty("timeZone").GetString());
        Assert.Equal("Asia/Tokyo", (await tenant.GetAsync("/api/v1/tenant")).GetProperty("timeZone").GetString());
    }
}

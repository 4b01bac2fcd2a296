namespace LiveOrleans.Api.Tests;

/// <summary>docs/semantics.md, "Live metrics summary": every row, through HTTP.</summary>
[Trait("Category", "http")]
public sealed class SummaryTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task A_conversation_is_active_with_an_incoming_or_a_successfully_sent_message_today()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("incoming", T.AddMinutes(-30)), Ev.Received("incoming", T.AddMinutes(-30)),
            Ev.Started("outgoing", T.AddMinutes(-20)), Ev.Sent("outgoing", T.AddMinutes(-20)),
            Ev.Started("note-only", T.AddMinutes(-10)), Ev.Sent("note-only", T.AddMinutes(-10), internalNote: true),
            Ev.Started("failed-only", T.AddMinutes(-5)), Ev.Sent("failed-only", T.AddMinutes(-5), delivery: "failed"),
            Ev.Started("no-messages", T.AddMinutes(-5)));

        var summary = await tenant.SummaryAsync();

        Assert.Equal(2, summary[0]);
    }

    [Fact]
    public async Task Broadcast_only_conversations_are_left_out_until_the_customer_answers()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("b1", T.AddMinutes(-30)), Ev.Sent("b1", T.AddMinutes(-30), broadcast: true),
            Ev.Started("b2", T.AddMinutes(-30)), Ev.Sent("b2", T.AddMinutes(-30), broadcast: true));
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0 }, await tenant.SummaryAsync());
        Assert.Empty(await tenant.CardsAsync());
        Assert.Equal(0, (await tenant.HoursAsync()).Sum());

        await tenant.IngestAsync(Ev.Received("b2", T.AddMinutes(-1), "Yes please, tell me more"));

        Assert.Equal(new[] { 1, 1, 0, 1, 1, 0 }, await tenant.SummaryAsync());
        Assert.Equal("b2", Assert.Single(await tenant.CardsAsync()).GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task Waiting_for_first_response_ends_with_the_first_business_reply_only()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("s", T.AddMinutes(-9)), Ev.Received("s", T.AddMinutes(-9)),
            Ev.Sent("s", T.AddMinutes(-8), internalNote: true),
            Ev.Sent("s", T.AddMinutes(-7), delivery: "failed"),
            Ev.Sent("s", T.AddMinutes(-6), broadcast: true));
        Assert.Equal(1, (await tenant.SummaryAsync())[1]);
        Assert.True((await tenant.CardAsync("s")).GetProperty("waitingForFirstResponse").GetBoolean());

        await tenant.IngestAsync(Ev.Sent("s", T.AddMinutes(-5), kind: "human", sender: "alice"));

        Assert.Equal(0, (await tenant.SummaryAsync())[1]);
        Assert.False((await tenant.CardAsync("s")).GetProperty("waitingForFirstResponse").GetBoolean());
    }

    [Fact]
    public async Task A_business_initiated_conversation_is_not_waiting()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-3)), Ev.Sent("s", T.AddMinutes(-3), "We shipped your order"));

        Assert.Equal(new[] { 1, 0, 0, 1, 1, 0 }, await tenant.SummaryAsync());
    }

    [Fact]
    public async Task A_team_only_assignment_counts_as_unassigned_and_owners_move_between_the_two()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("owned", T.AddMinutes(-5), owner: "alice", team: "sales"), Ev.Received("owned", T.AddMinutes(-5)),
            Ev.Started("team-only", T.AddMinutes(-5), team: "sales"), Ev.Received("team-only", T.AddMinutes(-5)),
            Ev.Started("nobody", T.AddMinutes(-5)), Ev.Received("nobody", T.AddMinutes(-5)));
        Assert.Equal(new[] { 3, 3, 1, 2, 3, 0 }, await tenant.SummaryAsync());

        await tenant.IngestAsync(Ev.Assigned("owned", T.AddMinutes(-1), owner: null), Ev.Assigned("nobody", T.AddMinutes(-1), owner: "bob"));

        Assert.Equal(new[] { 3, 3, 1, 2, 3, 0 }, await tenant.SummaryAsync());
        Assert.Equal(1, (await tenant.SummaryAsync("?owners=bob"))[2]);
        Assert.Equal(0, (await tenant.SummaryAsync("?owners=alice"))[0]);
        Assert.Equal(new[] { 2, 2, 0, 2, 2, 0 }, await tenant.SummaryAsync("?teams=sales"));
    }

    [Fact]
    public async Task Open_and_closed_follow_the_status_now()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("a", T.AddMinutes(-5)), Ev.Received("a", T.AddMinutes(-5)),
            Ev.Started("b", T.AddMinutes(-5)), Ev.Received("b", T.AddMinutes(-5)),
            Ev.Status("b", T.AddMinutes(-2), "closed"));
        Assert.Equal(new[] { 2, 2, 0, 2, 1, 1 }, await tenant.SummaryAsync());

        await tenant.IngestAsync(Ev.Status("b", T.AddMinutes(-1), "open"));

        Assert.Equal(new[] { 2, 2, 0, 2, 2, 0 }, await tenant.SummaryAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?teams=sales")]
    [InlineData("?teams=sales,support")]
    [InlineData("?owners=alice")]
    [InlineData("?channels=whatsapp")]
    [InlineData("?channels=web,whatsapp&teams=support")]
    [InlineData("?owners=alice,bob&channels=web")]
    public async Task Assigned_plus_unassigned_equals_open_plus_closed_equals_active_under_every_filter(string query)
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var channels = new[] { "web", "whatsapp", "email" };
        var teams = new[] { null, "sales", "support" };
        var owners = new[] { null, "alice", "bob" };
        var events = new List<object>();
        for (var i = 0; i < 27; i++)
        {
            var s = $"s{i}";
            events.Add(Ev.Started(s, T.AddMinutes(-60 + i), channel: channels[i % 3], team: teams[i / 3 % 3], owner: owners[i / 9]));
            events.Add(i % 4 == 0 ? Ev.Sent(s, T.AddMinutes(-59 + i)) : Ev.Received(s, T.AddMinutes(-59 + i)));
            if (i % 5 == 0) events.Add(Ev.Status(s, T.AddMinutes(-58 + i), "closed"));
        }
        await tenant.IngestAsync([.. events]);

        var s2 = await tenant.SummaryAsync(query);

        Assert.True(s2[0] > 0);
        Assert.Equal(s2[0], s2[2] + s2[3]);
        Assert.Equal(s2[0], s2[4] + s2[5]);
    }

    [Fact]
    public async Task Filters_select_conversations_by_team_owner_and_channel()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("a", T.AddMinutes(-5), channel: "whatsapp", team: "sales", owner: "alice"), Ev.Received("a", T.AddMinutes(-5)),
            Ev.Started("b", T.AddMinutes(-5), channel: "web", team: "sales"), Ev.Received("b", T.AddMinutes(-5)),
            Ev.Started("c", T.AddMinutes(-5), channel: "web", team: "support", owner: "bob"), Ev.Received("c", T.AddMinutes(-5)));

        Assert.Equal(2, (await tenant.SummaryAsync("?teams=sales"))[0]);
        Assert.Equal(1, (await tenant.SummaryAsync("?owners=bob"))[0]);
        Assert.Equal(2, (await tenant.SummaryAsync("?channels=web"))[0]);
        Assert.Equal(1, (await tenant.SummaryAsync("?channels=web&teams=sales"))[0]);
        Assert.Equal(0, (await tenant.SummaryAsync("?channels=email"))[0]);
    }
}

using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/semantics.md, "Agents panel".</summary>
[Trait("Category", "http")]
public sealed class AgentsPanelTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private static JsonElement Agent(JsonElement panel, string id)
        => panel.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);

    private static string[] Ids(JsonElement panel)
        => [.. panel.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()!).Order()];

    [Fact]
    public async Task Last_message_time_is_the_last_successfully_sent_business_message_of_any_day()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.AgentStatus("alice", T.AddDays(-2), "online", name: "Alice", kind: "human"),
            Ev.Started("s", T.AddDays(-2), agent: "alice"), Ev.Received("s", T.AddDays(-2)),
            Ev.Sent("s", T.AddDays(-2).AddMinutes(1), kind: "human", sender: "alice"),
            Ev.Sent("s", T.AddMinutes(-3), kind: "human", sender: "alice", internalNote: true),
            Ev.Sent("s", T.AddMinutes(-2), kind: "human", sender: "alice", delivery: "failed"));

        var alice = Agent(await tenant.GetAsync("/api/v1/live/agents"), "alice");

        Assert.Equal(Ev.Ts(T.AddDays(-2).AddMinutes(1)), alice.GetProperty("lastMessageAt").GetString());
        Assert.Equal("Alice", alice.GetProperty("name").GetString());
        Assert.Equal("human", alice.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task An_agent_that_never_sent_has_no_last_message_time()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.AgentStatus("quiet", T, "online"));

        Assert.Equal(JsonValueKind.Null, Agent(await tenant.GetAsync("/api/v1/live/agents"), "quiet").GetProperty("lastMessageAt").ValueKind);
    }

    [Fact]
    public async Task Presence_comes_from_status_events_and_times_out_after_ten_minutes_without_a_signal()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.AgentStatus("alice", T.AddMinutes(-1), "online"),
            Ev.AgentStatus("bob", T.AddMinutes(-2), "online"), Ev.AgentStatus("bob", T.AddMinutes(-1), "offline"),
            Ev.Started("s", T.AddMinutes(-5), agent: "bot"), Ev.Thinking("s", T.AddMinutes(-1)));

        var panel = await tenant.GetAsync("/api/v1/live/agents");
        Assert.Equal("online", Agent(panel, "alice").GetProperty("status").GetString());
        Assert.Equal("offline", Agent(panel, "bob").GetProperty("status").GetString());
        Assert.Equal("online", Agent(panel, "bot").GetProperty("status").GetString());
        Assert.Equal(2, panel.GetProperty("online").GetInt32());
        Assert.Equal(1, panel.GetProperty("offline").GetInt32());

        api.Clock.AdjustTime(T.AddMinutes(9).AddSeconds(30));
        await tenant.IngestAsync(Ev.Sent("s", T.AddMinutes(9), sender: "bot"));
        api.Clock.AdjustTime(T.AddMinutes(10));
        panel = await tenant.GetAsync("/api/v1/live/agents");
        Assert.Equal("offline", Agent(panel, "alice").GetProperty("status").GetString());
        Assert.Equal("online", Agent(panel, "bot").GetProperty("status").GetString());
        Assert.Equal(1, panel.GetProperty("online").GetInt32());
        Assert.Equal(2, panel.GetProperty("offline").GetInt32());
    }

    [Fact]
    public async Task Team_filter_lists_members_owner_filter_lists_those_owners_and_channel_filter_changes_nothing()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.AgentStatus("alice", T, "online", teams: ["sales"]),
            Ev.AgentStatus("bob", T, "online", teams: ["support"]),
            Ev.AgentStatus("carol", T, "offline", teams: ["sales", "support"]),
            Ev.Started("s", T, channel: "whatsapp", agent: "bot"), Ev.Received("s", T));

        Assert.Equal(["alice", "bob", "bot", "carol"], Ids(await tenant.GetAsync("/api/v1/live/agents")));
        Assert.Equal(["alice", "carol"], Ids(await tenant.GetAsync("/api/v1/live/agents?teams=sales")));
        Assert.Equal(["bob"], Ids(await tenant.GetAsync("/api/v1/live/agents?owners=bob")));
        Assert.Equal(["carol"], Ids(await tenant.GetAsync("/api/v1/live/agents?teams=sales&owners=bob,carol")));
        Assert.Equal(["alice", "bob", "bot", "carol"], Ids(await tenant.GetAsync("/api/v1/live/agents?channels=email")));
        Assert.Equal(["alice", "carol"], Ids(await tenant.GetAsync("/api/v1/live/agents?teams=sales&channels=email")));
    }

    [Fact]
    public async Task Live_sessions_are_counted_per_agent()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("a", T.AddMinutes(-3), agent: "bot"), Ev.Received("a", T.AddMinutes(-3)),
            Ev.Started("b", T.AddMinutes(-3), agent: "bot"), Ev.Received("b", T.AddMinutes(-3)),
            Ev.Started("c", T.AddMinutes(-3), agent: "bot"), Ev.Received("c", T.AddMinutes(-3)), Ev.Ended("c", T.AddMinutes(-2)));

        Assert.Equal(2, Agent(await tenant.GetAsync("/api/v1/live/agents"), "bot").GetProperty("liveSessions").GetInt32());
    }

    [Fact]
    public async Task An_administrator_sets_name_kind_teams_and_colour()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var put = await api.SendAsync(HttpMethod.Put, "/api/v1/agents/bot", tenant.AdminToken,
            new { name = "Support Bot", kind = "ai", teams = new[] { "support" }, color = "#123456" });
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
        await tenant.IngestAsync(Ev.AgentStatus("bot", T, "online", name: "Ignored", kind: "human", teams: ["other"]),
            Ev.Started("s", T, agent: "bot"), Ev.Received("s", T));

        var bot = Agent(await tenant.GetAsync("/api/v1/live/agents?teams=support"), "bot");
        Assert.Equal("Support Bot", bot.GetProperty("name").GetString());
        Assert.Equal("ai", bot.GetProperty("kind").GetString());
        Assert.Equal("#123456", bot.GetProperty("color").GetString());
        var card = Assert.Single(await tenant.CardsAsync());
        Assert.Equal("Support Bot", card.GetProperty("agentName").GetString());
        Assert.Equal("#123456", card.GetProperty("agentColor").GetString());

        var bad = await api.SendAsync(HttpMethod.Put, "/api/v1/agents/bot", tenant.AdminToken, new { name = "", kind = "robot", color = "red" });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("kind", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("color", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }
}

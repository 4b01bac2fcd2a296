using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/semantics.md, "Sessions and live states" and "Filters": live states, cards, the list and its filters.</summary>
[Trait("Category", "http")]
public sealed class SessionsTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private static async Task<string> StateAsync(TestTenant tenant, string session)
        => (await tenant.CardAsync(session)).GetProperty("state").GetString()!;

    [Fact]
    public async Task Live_states_follow_the_transition_table()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-10)));
        Assert.Equal("active", await StateAsync(tenant, "s"));

        await tenant.IngestAsync(Ev.Received("s", T.AddMinutes(-9)), Ev.Thinking("s", T.AddMinutes(-9)));
        Assert.Equal("thinking", await StateAsync(tenant, "s"));
        Assert.Equal("thinking", (await tenant.CardAsync("s")).GetProperty("streamState").GetString());

        await tenant.IngestAsync(Ev.Delta("s", T.AddMinutes(-8), "m1", "Let me", 0), Ev.Delta("s", T.AddMinutes(-8), "m1", " check", 1));
        Assert.Equal("streaming", await StateAsync(tenant, "s"));
        Assert.Equal("streaming", (await tenant.CardAsync("s")).GetProperty("streamState").GetString());

        await tenant.IngestAsync(Ev.Sent("s", T.AddMinutes(-8), "Let me check that for you", sender: "bot"));
        Assert.Equal("active", await StateAsync(tenant, "s"));
        Assert.Equal("complete", (await tenant.CardAsync("s")).GetProperty("streamState").GetString());

        await tenant.IngestAsync(Ev.Thinking("s", T.AddMinutes(-7)), Ev.Error("s", T.AddMinutes(-7)));
        Assert.Equal("error", await StateAsync(tenant, "s"));

        await tenant.IngestAsync(Ev.Thinking("s", T.AddMinutes(-6)));
        Assert.Equal("thinking", await StateAsync(tenant, "s"));

        await tenant.IngestAsync(Ev.Received("s", T.AddMinutes(-5)));
        Assert.Equal("active", await StateAsync(tenant, "s"));

        await tenant.IngestAsync(Ev.Error("s", T.AddMinutes(-4)), Ev.Received("s", T.AddMinutes(-4)));
        Assert.Equal("active", await StateAsync(tenant, "s"));

        await tenant.IngestAsync(Ev.Error("s", T.AddMinutes(-3)), Ev.Sent("s", T.AddMinutes(-3), kind: "human", sender: "alice"));
        Assert.Equal("active", await StateAsync(tenant, "s"));

        await tenant.IngestAsync(Ev.Ended("s", T.AddMinutes(-1), "resolved"), Ev.Received("s", T.AddSeconds(-30)), Ev.Thinking("s", T.AddSeconds(-20)));
        Assert.Equal("ended", await StateAsync(tenant, "s"));
    }

    [Fact]
    public async Task A_message_from_another_sender_does_not_end_the_agent_thinking()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot"), Ev.Thinking("s", T.AddMinutes(-1)),
            Ev.Sent("s", T.AddMinutes(-1), "Automatic notice", kind: "system"));

        Assert.Equal("thinking", await StateAsync(tenant, "s"));
    }

    [Fact]
    public async Task An_ended_session_shows_ended_for_the_grace_period_then_leaves_the_list()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-5)), Ev.Received("s", T.AddMinutes(-5)), Ev.Ended("s", T));

        var card = Assert.Single(await tenant.CardsAsync());
        Assert.Equal("ended", card.GetProperty("state").GetString());
        Assert.Equal(1, (await tenant.GetAsync("/api/v1/live/metrics")).GetProperty("liveSessions").GetInt32());

        api.Clock.AdjustTime(T.AddSeconds(61));
        Assert.Empty(await tenant.CardsAsync());
        Assert.Equal(0, (await tenant.GetAsync("/api/v1/live/metrics")).GetProperty("liveSessions").GetInt32());
        Assert.Equal("ended", await StateAsync(tenant, "s"));
        Assert.Equal(1, (await tenant.SummaryAsync())[0]);
    }

    [Fact]
    public async Task An_event_for_an_unknown_session_creates_it_and_a_later_start_fills_it_in()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Received("s", T.AddMinutes(-2), "Anyone there?"));
        var card = await tenant.CardAsync("s");
        Assert.Equal(JsonValueKind.Null, card.GetProperty("channel").ValueKind);
        Assert.Equal("Anyone there?", card.GetProperty("preview").GetString());

        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-3), channel: "telegram", agent: "bot", user: "u9", userName: "Zoe", priority: "high", team: "vip"));

        card = await tenant.CardAsync("s");
        Assert.Equal("telegram", card.GetProperty("channel").GetString());
        Assert.Equal("bot", card.GetProperty("agentId").GetString());
        Assert.Equal("Zoe", card.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("u9", card.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("high", card.GetProperty("priority").GetString());
        Assert.Equal("vip", card.GetProperty("teamId").GetString());
        Assert.Equal(Ev.Ts(T.AddMinutes(-3)), card.GetProperty("startedAt").GetString());
        Assert.Equal("Anyone there?", card.GetProperty("preview").GetString());
        Assert.Single(card.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task The_preview_is_the_last_message_cut_to_eighty_characters()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var longText = string.Concat(Enumerable.Repeat("abcdefghij", 10));
        var exactly80 = string.Concat(Enumerable.Repeat("0123456789", 8));
        await tenant.IngestAsync(
            Ev.Started("long", T.AddMinutes(-2)), Ev.Received("long", T.AddMinutes(-2), longText),
            Ev.Started("exact", T.AddMinutes(-2)), Ev.Received("exact", T.AddMinutes(-2), exactly80),
            Ev.Started("note", T.AddMinutes(-2)), Ev.Received("note", T.AddMinutes(-2), "Where is my parcel?"),
            Ev.Sent("note", T.AddMinutes(-1), "customer sounds angry", kind: "human", sender: "alice", internalNote: true),
            Ev.Started("lines", T.AddMinutes(-2)), Ev.Received("lines", T.AddMinutes(-2), "first line\n\nsecond   line"));

        var longPreview = (await tenant.CardAsync("long")).GetProperty("preview").GetString()!;
        Assert.Equal(80, longPreview.Length);
        Assert.EndsWith("…", longPreview);
        Assert.StartsWith("abcdefghij", longPreview);
        Assert.Equal(exactly80, (await tenant.CardAsync("exact")).GetProperty("preview").GetString());
        Assert.Equal("Where is my parcel?", (await tenant.CardAsync("note")).GetProperty("preview").GetString());
        Assert.Equal("first line second line", (await tenant.CardAsync("lines")).GetProperty("preview").GetString());
    }

    [Fact]
    public async Task Cards_are_sorted_by_most_recent_activity_and_paged_with_a_cursor()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var events = new List<object>();
        for (var i = 0; i < 7; i++) events.AddRange([Ev.Started($"s{i}", T.AddMinutes(-30)), Ev.Received($"s{i}", T.AddMinutes(-20 + i))]);
        await tenant.IngestAsync([.. events]);
        await tenant.IngestAsync(Ev.Received("s2", T.AddMinutes(-1)));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await tenant.GetAsync("/api/v1/live/sessions?limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.Equal(7, page.GetProperty("total").GetInt32());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("sessionId").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(["s2", "s6", "s5", "s4", "s3", "s1", "s0"], seen);
    }

    [Fact]
    public async Task Filters_combine_with_and_and_values_with_or()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("a", T.AddMinutes(-20), channel: "web", agent: "bot", priority: "urgent", team: "sales", owner: "alice"),
            Ev.Received("a", T.AddMinutes(-20), "My Invoice is wrong"),
            Ev.Started("b", T.AddMinutes(-5), channel: "whatsapp", agent: "bot", priority: "low"),
            Ev.Received("b", T.AddMinutes(-5), "hello"), Ev.Thinking("b", T.AddMinutes(-4)),
            Ev.Started("c", T.AddMinutes(-1), channel: "phone", agent: "helper", priority: "high", team: "support"),
            Ev.Sent("c", T.AddMinutes(-1), "Your INVOICE is attached", sender: "helper"));

        async Task<string[]> Ids(string query) => [.. (await tenant.CardsAsync(query)).Select(c => c.GetProperty("sessionId").GetString()!).Order()];

        Assert.Equal(["a", "b", "c"], await Ids(""));
        Assert.Equal(["a", "b"], await Ids("?agents=bot"));
        Assert.Equal(["a", "c"], await Ids("?channels=web,phone"));
        Assert.Equal(["a", "c"], await Ids("?priorities=urgent,high"));
        Assert.Equal(["b"], await Ids("?statuses=thinking"));
        Assert.Equal(["a", "c"], await Ids("?q=invoice"));
        Assert.Equal(["a"], await Ids("?q=invoice&agents=bot"));
        Assert.Equal(["a"], await Ids("?minDurationSec=600"));
        Assert.Equal(["b", "c"], await Ids("?maxDurationSec=600"));
        Assert.Equal(["a"], await Ids("?teams=sales"));
        Assert.Equal(["a"], await Ids("?owners=alice"));
        Assert.Empty(await Ids("?channels=web&statuses=thinking"));
    }

    [Fact]
    public async Task Bad_filter_values_are_named_in_the_problem()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var response = await api.SendAsync(HttpMethod.Get, "/api/v1/live/sessions?priorities=critical&statuses=sleeping&channels=Web!&minDurationSec=-1&limit=0&cursor=nope", tenant.AdminToken);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "priorities", "statuses", "channels", "minDurationSec", "limit", "cursor" })
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}");
    }

    [Fact]
    public async Task The_transcript_is_paged_oldest_first_and_keeps_every_kind_of_message()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var events = new List<object> { Ev.Started("s", T.AddMinutes(-30)) };
        for (var i = 0; i < 5; i++) events.Add(Ev.Received("s", T.AddMinutes(-20 + i), $"question {i}"));
        events.Add(Ev.Sent("s", T.AddMinutes(-10), "note", kind: "human", sender: "alice", internalNote: true));
        events.Add(new Dictionary<string, object?>
        {
            ["id"] = Ev.NewId(), ["type"] = "message_received", ["timestamp"] = Ev.Ts(T.AddMinutes(-9)), ["sessionId"] = "s",
            ["message"] = new { id = "voice-1", format = "voice", text = "I want to cancel", speaker = "customer", confidence = 0.93 },
        });
        events.Add(new Dictionary<string, object?>
        {
            ["id"] = Ev.NewId(), ["type"] = "message_sent", ["timestamp"] = Ev.Ts(T.AddMinutes(-8)), ["sessionId"] = "s",
            ["sender"] = new { kind = "human", id = "alice" },
            ["message"] = new { id = "media-1", format = "media", attachments = new[] { new { type = "image", url = "https://example.test/a.png", name = "a.png", mimeType = "image/png", sizeBytes = 1234 } } },
        });
        await tenant.IngestAsync([.. events]);

        var first = await tenant.GetAsync("/api/v1/sessions/s?limit=3");
        Assert.Equal(8, first.GetProperty("totalMessages").GetInt32());
        Assert.Equal(["question 0", "question 1", "question 2"], first.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!));
        var rest = await tenant.GetAsync($"/api/v1/sessions/s?limit=10&cursor={first.GetProperty("nextCursor").GetString()}");
        var messages = rest.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal(5, messages.Length);
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);
        Assert.True(messages[2].GetProperty("internalNote").GetBoolean());
        Assert.Equal("voice", messages[3].GetProperty("format").GetString());
        Assert.Equal(0.93, messages[3].GetProperty("confidence").GetDouble());
        Assert.Equal("image", messages[4].GetProperty("attachments")[0].GetProperty("type").GetString());
        Assert.Equal("outgoing", messages[4].GetProperty("direction").GetString());
        Assert.Equal("[image] a.png", rest.GetProperty("preview").GetString());
    }

    [Fact]
    public async Task An_unknown_session_is_not_found()
    {
        var tenant = await api.NewTenantAsync();
        var response = await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/nope", tenant.AdminToken);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_activity_log_lists_starts_ends_and_errors_newest_first()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("s", T.AddMinutes(-3), userName: "Ann"), Ev.Error("s", T.AddMinutes(-2), "tool_failed", "CRM unreachable"),
            Ev.Ended("s", T.AddMinutes(-1)), Ev.Started("t", T.AddSeconds(-30)));

        var page = await tenant.GetAsync("/api/v1/activity?limit=3");
        var types = page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();
        Assert.Equal(["session_started", "session_ended", "error"], types);
        Assert.Contains("CRM unreachable", page.GetProperty("items")[2].GetProperty("summary").GetString());
        var next = await tenant.GetAsync($"/api/v1/activity?limit=3&before={page.GetProperty("nextBefore").GetString()}");
        var last = Assert.Single(next.GetProperty("items").EnumerateArray());
        Assert.Equal("session_started", last.GetProperty("type").GetString());
        Assert.Equal("s", last.GetProperty("sessionId").GetString());
    }
}

using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// docs/semantics.md, "Interventions", <c>takeover</c> and <c>handback</c>: a person becomes the conversation's only
/// responder; the AI agent's replies and token deltas are refused with a typed 409 until the conversation is handed
/// back; one holder at a time; the card shows who holds it.
/// </summary>
public sealed class TakeoverTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private async Task<HttpResponseMessage> InterveneAsync(TestTenant tenant, string session, object body, string? token = null)
        => await api.SendAsync(HttpMethod.Post, $"/api/v1/sessions/{session}/interventions", token ?? tenant.AdminToken, body);

    private async Task<JsonElement> CreatedAsync(TestTenant tenant, string session, object body, string? token = null)
    {
        var response = await InterveneAsync(tenant, session, body, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{body} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> DetailOf(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;

    private static async Task<string?> RefusalOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return problem.TryGetProperty("refusal", out var r) ? r.GetString() : null;
    }

    [Fact]
    public async Task A_takeover_refuses_the_AI_lets_the_holder_reply_and_a_handback_gives_it_back()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var sue = await tenant.UserTokenAsync("sue", "supervisor");
        var max = await tenant.UserTokenAsync("max", "supervisor");
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot"), Ev.Received("s", T.AddMinutes(-2), "I want a refund"));
        await tenant.IngestAsync(Ev.Delta("s", T.AddMinutes(-1), "m1", "Let me", 0));
        Assert.Equal("streaming", (await tenant.CardAsync("s")).GetProperty("state").GetString());

        var takeover = await CreatedAsync(tenant, "s", new { type = "takeover", reason = "Angry customer" }, sue);
        var sueId = takeover.GetProperty("adminId").GetString()!;
        Assert.Equal("takeover", takeover.GetProperty("type").GetString());

        // The card names the holder; the reply that was streaming is cut; the customer is told a person joined.
        var detail = await tenant.CardAsync("s");
        var heldBy = detail.GetProperty("heldBy");
        Assert.Equal((sueId, "sue", Ev.Ts(T)), (heldBy.GetProperty("userId").GetString(), heldBy.GetProperty("name").GetString(), heldBy.GetProperty("since").GetString()));
        Assert.Equal("active", detail.GetProperty("state").GetString());
        Assert.Equal("system", detail.GetProperty("messages").EnumerateArray().Last().GetProperty("format").GetString());
        var card = Assert.Single(await tenant.CardsAsync());
        Assert.Equal(sueId, card.GetProperty("heldBy").GetProperty("userId").GetString());

        // The AI's reply and its token deltas are refused, typed; so is another person's reply. Nothing of them is stored.
        var ai = await tenant.PostEventsAsync(Ev.Sent("s", T, "Here is your refund", sender: "bot"));
        Assert.Equal("taken_over", await RefusalOf(ai));
        Assert.Contains("sue", await DetailOf(ai));
        Assert.Equal("taken_over", await RefusalOf(await tenant.PostEventsAsync(Ev.Delta("s", T, "m2", "Here", 0))));
        Assert.Equal("taken_over", await RefusalOf(await tenant.PostEventsAsync(Ev.Sent("s", T, "Not mine", kind: "human", sender: "usr_someone"))));
        Assert.Equal("taken_over", await RefusalOf(await tenant.PostEventsAsync(Ev.Sent("s", T, "No id", kind: "human"))));
        // A pause is typed as a pause, and the other sessions of a refused batch are stored, as for a pause.
        await tenant.IngestAsync(Ev.Started("other", T));
        var mixed = await tenant.PostEventsAsync(Ev.Sent("other", T, "Hi other"), Ev.Sent("s", T, "Again", sender: "bot"));
        Assert.Equal("taken_over", await RefusalOf(mixed));

        // The holder's own reply, the customer and the engine's messages go through.
        await tenant.IngestAsync(Ev.Sent("s", T, "Sue here, I will sort this out", kind: "human", sender: sueId), Ev.Received("s", T, "Thanks"),
            Ev.Sent("s", T, "Notice", kind: "system"));
        var texts = (await tenant.CardAsync("s")).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToArray();
        Assert.Contains("Sue here, I will sort this out", texts);
        Assert.DoesNotContain("Here is your refund", texts);
        Assert.DoesNotContain("Not mine", texts);
        Assert.DoesNotContain("Again", texts);

        // One holder at a time: a second takeover is refused naming the holder; she cannot take it twice either.
        var second = await InterveneAsync(tenant, "s", new { type = "takeover", reason = "Me too" }, max);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains($"sue ({sueId})", await DetailOf(second));
        Assert.Equal(HttpStatusCode.Conflict, (await InterveneAsync(tenant, "s", new { type = "takeover", reason = "Twice" }, sue)).StatusCode);
        // Only the holder or an admin hands back.
        var notHers = await InterveneAsync(tenant, "s", new { type = "handback", reason = "Done" }, max);
        Assert.Equal(HttpStatusCode.Forbidden, notHers.StatusCode);
        Assert.Contains("only they or an admin", await DetailOf(notHers));

        var handback = await CreatedAsync(tenant, "s", new { type = "handback", reason = "Resolved", content = "Refund approved; confirm the date." });
        Assert.Equal("Refund approved; confirm the date.", handback.GetProperty("content").GetString());
        detail = await tenant.CardAsync("s");
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("heldBy").ValueKind);
        await tenant.IngestAsync(Ev.Sent("s", T, "Your refund goes out on Monday", sender: "bot"));
        Assert.Equal(HttpStatusCode.Conflict, (await InterveneAsync(tenant, "s", new { type = "handback", reason = "Again" }, sue)).StatusCode);

        // Max may take it now and hand it back himself, without a note.
        await CreatedAsync(tenant, "s", new { type = "takeover", reason = "Follow-up" }, max);
        var plain = await CreatedAsync(tenant, "s", new { type = "handback", reason = "Done" }, max);
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("content").ValueKind);

        var audit = (await tenant.GetAsync("/api/v1/interventions?sessionId=s")).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();
        Assert.Equal(["takeover", "handback", "takeover", "handback"], audit);
        Assert.True((await tenant.GetAsync("/api/v1/interventions/verify")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task An_ended_session_cannot_be_taken_over_and_its_end_releases_the_hold()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2)), Ev.Received("s", T.AddMinutes(-2)),
            Ev.Started("done", T.AddMinutes(-2)), Ev.Ended("done", T.AddMinutes(-1)));
        var ended = await InterveneAsync(tenant, "done", new { type = "takeover", reason = "x" });
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
        Assert.Contains("ended", await DetailOf(ended));
        Assert.Equal(HttpStatusCode.Conflict, (await InterveneAsync(tenant, "s", new { type = "handback", reason = "x" })).StatusCode);

        await CreatedAsync(tenant, "s", new { type = "takeover", reason = "x" });
        await tenant.IngestAsync(Ev.Ended("s", T));
        Assert.Equal(JsonValueKind.Null, (await tenant.CardAsync("s")).GetProperty("heldBy").ValueKind);
    }

    [Fact]
    public async Task The_producer_is_told_by_control_commands_who_took_over_and_the_handback_note()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot"), Ev.Received("s", T.AddMinutes(-2)));
        var sue = await tenant.UserTokenAsync("sue", "supervisor");
        var takeover = await CreatedAsync(tenant, "s", new { type = "takeover", reason = "x" }, sue);
        await CreatedAsync(tenant, "s", new { type = "handback", reason = "y", content = "Offer the discount" }, sue);

        var stream = await tenant.ControlStreamAsync();
        var commands = stream.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToArray();
        Assert.Equal(["takeover", "handback"], commands.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal((takeover.GetProperty("adminId").GetString(), "sue"),
            (commands[0].GetProperty("target").GetProperty("userId").GetString(), commands[0].GetProperty("target").GetProperty("name").GetString()));
        Assert.Equal("Offer the discount", commands[1].GetProperty("content").GetString());
    }
}

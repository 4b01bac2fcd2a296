using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// docs/semantics.md, "Interventions", <c>guide</c>: a supervisor's private note to the agent. It reaches the producer as a
/// control command, is audited, counts as an intervention, and is never a message of the conversation.
/// </summary>
public sealed class GuidanceTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;
    private const string Note = "Offer the 10% loyalty discount before a refund.";

    private async Task<HttpResponseMessage> InterveneAsync(TestTenant tenant, string session, object body, string? token = null)
        => await api.SendAsync(HttpMethod.Post, $"/api/v1/sessions/{session}/interventions", token ?? tenant.AdminToken, body);

    [Fact]
    public async Task Guidance_is_audited_counted_and_kept_out_of_the_conversation_and_from_those_who_may_not_see_it()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var supervisor = await tenant.UserTokenAsync("sue", "supervisor");
        var alice = await tenant.UserTokenAsync("alice", "agent", agentId: "alice");
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot", owner: "bob"), Ev.Received("s", T.AddMinutes(-2), "I want a refund"),
            Ev.Thinking("s", T.AddMinutes(-1)));

        var response = await InterveneAsync(tenant, "s", new { type = "guide", reason = "Retention policy", content = Note }, supervisor);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"guide answered {(int)response.StatusCode}: {text}");
        var entry = JsonDocument.Parse(text).RootElement;
        Assert.Equal("guide", entry.GetProperty("type").GetString());
        Assert.Equal(Note, entry.GetProperty("content").GetString());
        Assert.Equal("Retention policy", entry.GetProperty("reason").GetString());
        Assert.StartsWith("usr_", entry.GetProperty("adminId").GetString());
        var id = entry.GetProperty("interventionId").GetString();

        // In the audit log and its chain.
        var audit = Assert.Single((await tenant.GetAsync("/api/v1/interventions?sessionId=s")).GetProperty("items").EnumerateArray());
        Assert.Equal(id, audit.GetProperty("interventionId").GetString());
        Assert.Equal(Note, audit.GetProperty("content").GetString());
        var verified = await tenant.GetAsync("/api/v1/interventions/verify");
        Assert.True(verified.GetProperty("intact").GetBoolean());
        Assert.Equal(1, verified.GetProperty("entries").GetInt32());

        // The session detail carries it as an intervention with its author, and nowhere among the messages.
        var detail = await tenant.GetAsync("/api/v1/sessions/s", supervisor);
        var note = Assert.Single(detail.GetProperty("interventions").EnumerateArray());
        Assert.Equal(("guide", Note, entry.GetProperty("adminId").GetString()),
            (note.GetProperty("type").GetString(), note.GetProperty("content").GetString(), note.GetProperty("adminId").GetString()));
        var messages = detail.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal(["I want a refund"], messages.Select(m => m.GetProperty("text").GetString()));
        Assert.DoesNotContain(Note, detail.GetProperty("preview").ToString());
        Assert.Equal("thinking", detail.GetProperty("state").GetString()); // guidance changes no state: the agent goes on

        // Counted in the intervention rate, like every intervention.
        Assert.Equal(1.0, (await tenant.GetAsync("/api/v1/live/metrics")).GetProperty("interventionRate").GetDouble());

        // An agent who does not own the conversation sees nothing of it.
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/s", alice)).StatusCode);
        var theirs = await api.SendAsync(HttpMethod.Get, "/api/v1/interventions", alice);
        Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        var visible = await theirs.Content.ReadAsStringAsync();
        Assert.Empty(JsonDocument.Parse(visible).RootElement.GetProperty("items").EnumerateArray());
        Assert.DoesNotContain(Note, visible);
        Assert.DoesNotContain(Note, await (await api.SendAsync(HttpMethod.Get, "/api/v1/activity", alice)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Guidance_needs_a_note_and_a_reason_and_a_live_session()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2)), Ev.Received("s", T.AddMinutes(-2)),
            Ev.Started("done", T.AddMinutes(-2)), Ev.Ended("done", T.AddMinutes(-1)));

        async Task<JsonElement> Invalid(object body)
        {
            var r = await InterveneAsync(tenant, "s", body);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        }
        Assert.Contains("note to the agent", (await Invalid(new { type = "guide", reason = "x" })).GetProperty("content")[0].GetString());
        Assert.True((await Invalid(new { type = "guide", reason = "x", content = "  " })).TryGetProperty("content", out _));
        Assert.True((await Invalid(new { type = "guide", reason = "x", content = new string('a', 32 * 1024 + 1) })).TryGetProperty("content", out _));
        Assert.True((await Invalid(new { type = "guide", content = Note })).TryGetProperty("reason", out _));
        var ended = await InterveneAsync(tenant, "done", new { type = "guide", reason = "x", content = Note });
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
        Assert.Contains("ended", (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Empty((await tenant.GetAsync("/api/v1/interventions")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_producer_receives_guidance_on_the_control_stream_and_acknowledges_it()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot"), Ev.Received("s", T.AddMinutes(-2)));
        var created = await InterveneAsync(tenant, "s", new { type = "guide", reason = "Retention policy", content = Note });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("interventionId").GetString()!;

        var first = await tenant.ControlStreamAsync();
        var data = Assert.Single(first.Split('\n'), l => l.StartsWith("data: ", StringComparison.Ordinal));
        var command = JsonDocument.Parse(data["data: ".Length..]).RootElement;
        Assert.Equal(("guide", id, "s", "bot", Note),
            (command.GetProperty("type").GetString(), command.GetProperty("interventionId").GetString(), command.GetProperty("sessionId").GetString(),
                command.GetProperty("agentId").GetString(), command.GetProperty("content").GetString()));
        Assert.Contains("event: control", first);

        // Unacknowledged, it comes again; acknowledged, it does not.
        Assert.Contains(id, await tenant.ControlStreamAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Post, $"/api/v1/control/{id}/ack", null, apiKey: tenant.IngestKey)).StatusCode);
        Assert.DoesNotContain("data:", await tenant.ControlStreamAsync());
    }
}

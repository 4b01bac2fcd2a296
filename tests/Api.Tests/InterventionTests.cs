using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/semantics.md, "Interventions": rules, effects and the audit log, through HTTP.</summary>
[Trait("Category", "http")]
public sealed class InterventionTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private async Task<HttpResponseMessage> InterveneAsync(TestTenant tenant, string session, object body, string? token = null)
        => await api.SendAsync(HttpMethod.Post, $"/api/v1/sessions/{session}/interventions", token ?? tenant.AdminToken, body);

    private async Task<JsonElement> InterveneOkAsync(TestTenant tenant, string session, object body)
    {
        var response = await InterveneAsync(tenant, session, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"intervention answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Pause_and_resume_change_the_state_and_are_audited()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var supervisor = await tenant.UserTokenAsync("sue", "supervisor");
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2)), Ev.Received("s", T.AddMinutes(-2)), Ev.Thinking("s", T.AddMinutes(-1)));

        var response = await InterveneAsync(tenant, "s", new { type = "pause", reason = "Checking the refund policy" }, supervisor);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var pause = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Matches(new Regex("^int_[A-Za-z0-9]{8,}$"), pause.GetProperty("interventionId").GetString());
        Assert.Equal("pause", pause.GetProperty("type").GetString());
        Assert.Equal("Checking the refund policy", pause.GetProperty("reason").GetString());
        Assert.StartsWith("usr_", pause.GetProperty("adminId").GetString());
        Assert.Equal(Ev.Ts(T), pause.GetProperty("timestamp").GetString());
        Assert.Equal("paused", (await tenant.CardAsync("s")).GetProperty("state").GetString());

        // While paused the customer is still heard; the agent is refused, naming the pause, and nothing is stored.
        await tenant.IngestAsync(Ev.Received("s", T, "Hello? Anyone?"));
        var refused = await tenant.PostEventsAsync(Ev.Sent("s", T, "Here is your refund", sender: "bot"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("paused", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var detail = await tenant.CardAsync("s");
        Assert.Equal("paused", detail.GetProperty("state").GetString());
        var texts = detail.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToArray();
        Assert.Contains("Hello? Anyone?", texts);
        Assert.DoesNotContain("Here is your refund", texts);
        Assert.Contains(detail.GetProperty("messages").EnumerateArray(), m => m.GetProperty("format").GetString() == "system");

        var again = await InterveneAsync(tenant, "s", new { type = "pause", reason = "twice" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await InterveneOkAsync(tenant, "s", new { type = "resume", reason = "Policy confirmed" });
        Assert.Equal("active", (await tenant.CardAsync("s")).GetProperty("state").GetString());

        var audit = (await tenant.GetAsync("/api/v1/interventions?sessionId=s")).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(["pause", "resume"], audit.Select(e => e.GetProperty("type").GetString()!));
        Assert.Equal(2, (await tenant.CardAsync("s")).GetProperty("interventions").GetArrayLength());
        Assert.Contains((await tenant.GetAsync("/api/v1/activity")).GetProperty("items").EnumerateArray(), e => e.GetProperty("type").GetString() == "intervention");
        Assert.Equal(1.0, (await tenant.GetAsync("/api/v1/live/metrics")).GetProperty("interventionRate").GetDouble());
    }

    [Fact]
    public async Task An_override_records_the_reply_it_discarded()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-1)), Ev.Received("s", T.AddMinutes(-1)), Ev.Thinking("s", T),
            Ev.Delta("s", T, "m1", "You could try", 0), Ev.Delta("s", T, "m1", " hacking it", 1));

        var entry = await InterveneOkAsync(tenant, "s", new { type = "override", reason = "Unsafe advice", content = "Let me connect you with our team." });

        Assert.Equal("You could try hacking it", entry.GetProperty("original").GetString());
        Assert.Equal("Let me connect you with our team.", entry.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Each_refusal_says_why()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var viewer = await tenant.UserTokenAsync("vic", "viewer");
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2)), Ev.Received("s", T.AddMinutes(-2)),
            Ev.Started("done", T.AddMinutes(-2)), Ev.Ended("done", T.AddMinutes(-1)));

        Assert.Equal(HttpStatusCode.Forbidden, (await InterveneAsync(tenant, "s", new { type = "pause", reason = "x" }, viewer)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await InterveneAsync(tenant, "nope", new { type = "pause", reason = "x" })).StatusCode);
        var resume = await InterveneAsync(tenant, "s", new { type = "resume", reason = "x" });
        Assert.Equal(HttpStatusCode.Conflict, resume.StatusCode);
        Assert.Contains("not paused", (await resume.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await InterveneAsync(tenant, "done", new { type = "system_message", reason = "x", content = "hi" })).StatusCode);

        async Task<string[]> Fields(object body)
        {
            var r = await InterveneAsync(tenant, "s", body);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return [.. (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name)];
        }
        Assert.Contains("reason", await Fields(new { type = "pause", reason = " " }));
        Assert.Contains("type", await Fields(new { type = "explode", reason = "x" }));
        Assert.Contains("content", await Fields(new { type = "override", reason = "x" }));
        Assert.Contains("target", await Fields(new { type = "transfer", reason = "x" }));
        Assert.Contains("target", await Fields(new { type = "transfer", reason = "x", target = new { agentId = "a", queue = "q" } }));
        Assert.Empty((await tenant.GetAsync("/api/v1/interventions")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Transfer_reassign_system_message_and_silent_monitoring_have_their_effects()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot", team: "sales"), Ev.Received("s", T.AddMinutes(-2)));

        await InterveneOkAsync(tenant, "s", new { type = "system_message", reason = "Delay notice", content = "Sorry for the wait!" });
        Assert.Equal("Sorry for the wait!", (await tenant.CardAsync("s")).GetProperty("preview").GetString());

        await InterveneOkAsync(tenant, "s", new { type = "reassign", reason = "VIP customer", target = new { ownerId = "alice", teamId = "vip" } });
        var card = await tenant.CardAsync("s");
        Assert.Equal("alice", card.GetProperty("ownerId").GetString());
        Assert.Equal("vip", card.GetProperty("teamId").GetString());
        Assert.Equal(1, (await tenant.SummaryAsync("?teams=vip"))[2]);

        var transfer = await InterveneOkAsync(tenant, "s", new { type = "transfer", reason = "Needs a human", target = new { agentId = "human-desk" } });
        Assert.Equal("human-desk", transfer.GetProperty("target").GetProperty("agentId").GetString());
        Assert.Equal("human-desk", (await tenant.CardAsync("s")).GetProperty("agentId").GetString());
        Assert.Contains((await tenant.GetAsync("/api/v1/activity")).GetProperty("items").EnumerateArray(), e => e.GetProperty("type").GetString() == "transfer");

        await InterveneOkAsync(tenant, "s", new { type = "cobrowse_start", reason = "Quality review" });
        var from = Uri.EscapeDataString(Ev.Ts(T.AddSeconds(-1)));
        Assert.Equal(4, (await tenant.GetAsync($"/api/v1/interventions?from={from}")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_audit_log_answers_whether_its_chain_is_intact_to_admins_only()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("a", T), Ev.Received("a", T), Ev.Started("b", T), Ev.Received("b", T));
        await InterveneOkAsync(tenant, "a", new { type = "pause", reason = "one" });
        await InterveneOkAsync(tenant, "b", new { type = "cobrowse_start", reason = "two" });
        await InterveneOkAsync(tenant, "a", new { type = "resume", reason = "three" });

        var verified = await tenant.GetAsync("/api/v1/interventions/verify");
        Assert.True(verified.GetProperty("intact").GetBoolean());
        Assert.Equal(3, verified.GetProperty("entries").GetInt32());
        var supervisor = await tenant.UserTokenAsync("sue", "supervisor");
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Get, "/api/v1/interventions/verify", supervisor)).StatusCode);
        // Another tenant's chain is its own: empty, and intact.
        var other = await api.NewTenantAsync();
        Assert.Equal(0, (await other.GetAsync("/api/v1/interventions/verify")).GetProperty("entries").GetInt32());
    }

    [Fact]
    public async Task Interventions_name_the_person_who_made_them_to_everyone_who_reads_them()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/users", tenant.AdminToken,
            new { username = "sue", password = "person-password", name = "Sue Park", role = "supervisor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sueId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var sue = await api.LoginAsync(tenant.Id, "sue", "person-password");
        var viewer = await tenant.UserTokenAsync("vic", "viewer");
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-1)), Ev.Received("s", T.AddMinutes(-1)));

        var answered = await InterveneAsync(tenant, "s", new { type = "pause", reason = "Checking the refund policy" }, sue);
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);
        var entry = await answered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(sueId, entry.GetProperty("adminId").GetString());
        Assert.Equal("Sue Park", entry.GetProperty("adminName").GetString());

        // A viewer reading the detail and the audit list sees the name beside the id.
        async Task<JsonElement> Logged() => Assert.Single((await api.GetJsonAsync("/api/v1/sessions/s", viewer)).GetProperty("interventions").EnumerateArray());
        var logged = await Logged();
        Assert.Equal(sueId, logged.GetProperty("adminId").GetString());
        Assert.Equal("Sue Park", logged.GetProperty("adminName").GetString());
        var listed = Assert.Single((await api.GetJsonAsync("/api/v1/interventions?sessionId=s", viewer)).GetProperty("items").EnumerateArray());
        Assert.Equal("Sue Park", listed.GetProperty("adminName").GetString());

        // The name is read when the answer is made: renamed, the new one; removed, the id alone. The log is unchanged.
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{sueId}", tenant.AdminToken, new { name = "Sue Park-Lee" })).StatusCode);
        Assert.Equal("Sue Park-Lee", (await Logged()).GetProperty("adminName").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{sueId}", tenant.AdminToken)).StatusCode);
        logged = await Logged();
        Assert.Equal(sueId, logged.GetProperty("adminId").GetString());
        Assert.Equal(JsonValueKind.Null, logged.GetProperty("adminName").ValueKind);
        Assert.True((await tenant.GetAsync("/api/v1/interventions/verify")).GetProperty("intact").GetBoolean());
    }
}

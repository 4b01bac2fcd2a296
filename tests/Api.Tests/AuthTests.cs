using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/contract.md, "Authentication": tokens, roles, tenants and their isolation.</summary>
[Trait("Category", "http")]
public sealed class AuthTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task A_token_answers_who_signed_in()
    {
        var tenant = await api.NewTenantAsync();
        var response = await api.Client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = tenant.Id, username = "boss", password = "boss-password" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("admin", body.GetProperty("user").GetProperty("role").GetString());
        Assert.StartsWith("usr_", body.GetProperty("user").GetProperty("id").GetString());
        Assert.EndsWith("Z", body.GetProperty("expiresAt").GetString());
    }

    [Theory]
    [InlineData("boss", "wrong-password")]
    [InlineData("nobody", "boss-password")]
    public async Task Wrong_credentials_are_refused_without_saying_which_part_was_wrong(string username, string password)
    {
        var tenant = await api.NewTenantAsync();
        var wrong = await api.Client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = tenant.Id, username, password });
        var unknownTenant = await api.Client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "no-such-tenant", username, password });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownTenant.StatusCode);
        Assert.Equal(
            (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(),
            (await unknownTenant.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_expired_or_tampered_token_is_refused()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var tampered = tenant.AdminToken[..^2] + (tenant.AdminToken[^2] == 'a' ? "bb" : "aa");
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.SendAsync(HttpMethod.Get, "/api/v1/live/summary", tampered)).StatusCode);

        api.Clock.AdjustTime(T.AddHours(12).AddMinutes(1));
        try
        {
            var expired = await api.SendAsync(HttpMethod.Get, "/api/v1/live/summary", tenant.AdminToken);
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Equal("application/problem+json", expired.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            api.Clock.AdjustTime(T);
        }
    }

    [Fact]
    public async Task Another_tenant_sees_nothing_of_a_tenant_not_even_its_sessions_existence()
    {
        api.Clock.AdjustTime(T);
        var acme = await api.NewTenantAsync();
        var globex = await api.NewTenantAsync();
        await acme.IngestAsync(Ev.Started("secret", T.AddMinutes(-1), agent: "acme-bot"), Ev.Received("secret", T.AddMinutes(-1), "acme internal"));

        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/secret", globex.AdminToken)).StatusCode);
        Assert.Empty(await globex.CardsAsync());
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0 }, await globex.SummaryAsync());
        Assert.Equal(0, (await globex.HoursAsync()).Sum());
        Assert.Empty((await globex.GetAsync("/api/v1/live/agents")).GetProperty("agents").EnumerateArray());
        Assert.Empty((await globex.GetAsync("/api/v1/activity")).GetProperty("items").EnumerateArray());
        Assert.Equal(0, (await globex.GetAsync("/api/v1/live/metrics")).GetProperty("liveSessions").GetInt32());
        Assert.Equal(globex.Id, (await globex.GetAsync("/api/v1/tenant")).GetProperty("id").GetString());

        // Globex's key writes into Globex, whatever session id it names.
        await globex.IngestAsync(Ev.Received("secret", T, "globex message"));
        Assert.Equal(1, (await acme.CardAsync("secret")).GetProperty("totalMessages").GetInt32());
        Assert.Equal("globex message", (await globex.CardAsync("secret")).GetProperty("preview").GetString());
    }

    [Fact]
    public async Task Roles_decide_what_a_person_may_do()
    {
        var tenant = await api.NewTenantAsync();
        var viewer = await tenant.UserTokenAsync("vera", "viewer");
        var supervisor = await tenant.UserTokenAsync("sam", "supervisor");

        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, "/api/v1/live/summary", viewer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Put, "/api/v1/agents/bot", viewer, new { name = "Bot", kind = "ai" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Post, "/api/v1/users", supervisor, new { username = "x", password = "password-x", role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Post, "/api/v1/apikeys", supervisor)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Put, "/api/v1/tenant", viewer, new { name = "Mine" })).StatusCode);
        var forbidden = await api.SendAsync(HttpMethod.Post, "/api/v1/tenants", tenant.AdminToken,
            new { id = "sneaky", name = "Sneaky", timeZone = "UTC", admin = new { username = "a", password = "password-a" } });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_person_with_role_agent_sees_only_the_conversations_they_own()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var alice = await tenant.UserTokenAsync("alice", "agent", agentId: "alice");
        await tenant.IngestAsync(
            Ev.Started("hers", T.AddMinutes(-2), owner: "alice"), Ev.Received("hers", T.AddMinutes(-2)),
            Ev.Started("his", T.AddMinutes(-2), owner: "bob"), Ev.Received("his", T.AddMinutes(-2)),
            Ev.Started("nobodys", T.AddMinutes(-2)), Ev.Received("nobodys", T.AddMinutes(-2)));

        var cards = (await tenant.GetAsync("/api/v1/live/sessions", alice)).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal("hers", Assert.Single(cards).GetProperty("sessionId").GetString());
        Assert.Equal(0, (await tenant.GetAsync("/api/v1/live/sessions?owners=bob", alice)).GetProperty("total").GetInt32());
        Assert.Equal(1, (await tenant.GetAsync("/api/v1/live/summary", alice)).GetProperty("activeConversations").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/his", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/hers", alice)).StatusCode);
        var activity = (await tenant.GetAsync("/api/v1/activity", alice)).GetProperty("items").EnumerateArray();
        Assert.All(activity, e => Assert.Equal("hers", e.GetProperty("sessionId").GetString()));
    }

    [Fact]
    public async Task Creating_tenants_and_users_validates_input_and_refuses_duplicates()
    {
        var invalid = await api.SendAsync(HttpMethod.Post, "/api/v1/tenants", api.PlatformToken,
            new { id = "Bad Id", timeZone = "Mars/Olympus", admin = new { username = "", password = "short" } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "id", "timeZone", "admin.username", "admin.password" })
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}");

        var tenant = await api.NewTenantAsync();
        var again = await api.SendAsync(HttpMethod.Post, "/api/v1/tenants", api.PlatformToken,
            new { id = tenant.Id, name = "Again", timeZone = "UTC", admin = new { username = "boss", password = "boss-password" } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        await tenant.UserTokenAsync("dup", "viewer");
        var dup = await api.SendAsync(HttpMethod.Post, "/api/v1/users", tenant.AdminToken, new { username = "dup", password = "person-password", role = "viewer" });
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);
        var noAgent = await api.SendAsync(HttpMethod.Post, "/api/v1/users", tenant.AdminToken, new { username = "agent-x", password = "person-password", role = "agent" });
        Assert.Equal(HttpStatusCode.BadRequest, noAgent.StatusCode);
    }

    [Fact]
    public async Task Teams_are_named_by_an_administrator()
    {
        var tenant = await api.NewTenantAsync();
        var response = await api.SendAsync(HttpMethod.Put, "/api/v1/teams/sales", tenant.AdminToken, new { name = "Sales EMEA" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Sales EMEA", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await api.SendAsync(HttpMethod.Put, "/api/v1/teams/sales", tenant.AdminToken, new { name = " " })).StatusCode);
    }

    [Fact]
    public async Task The_api_describes_itself_in_an_openapi_document()
    {
        var document = await api.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        foreach (var path in new[] { "/api/v1/events", "/api/v1/auth/token", "/api/v1/live/summary", "/api/v1/live/sessions", "/api/v1/sessions/{id}", "/api/v1/tenants" })
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI should describe {path}");
    }
}

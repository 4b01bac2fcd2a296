using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// Access can be taken back: a tenant's admin lists, changes and removes people and lists and revokes API keys; a
/// revoked key, a removed person and a changed role apply within seconds; a tenant always keeps an admin. (Across two
/// Api nodes: Cluster/RevocationAcrossNodesTests; hub connections: Sdk/HubAccessTests.)
/// </summary>
[Trait("Category", "http")]
public sealed class AccessTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    /// <summary>Repeats a request until it answers <paramref name="expected"/>, for at most <paramref name="seconds"/>; answers the last answer.</summary>
    private static async Task<(HttpStatusCode Status, string Body, TimeSpan After)> WithinAsync(HttpStatusCode expected, double seconds, Func<Task<HttpResponseMessage>> send)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == expected || started.Elapsed.TotalSeconds > seconds) return (response.StatusCode, body, started.Elapsed);
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string> UserIdAsync(TestTenant tenant, string username)
    {
        var users = await tenant.GetAsync("/api/v1/users");
        return users.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("username").GetString() == username).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Api_keys_are_listed_with_id_name_and_use_but_never_the_key_and_a_revoked_key_is_refused()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var created = await JsonAsync(await api.SendAsync(HttpMethod.Post, "/api/v1/apikeys", tenant.AdminToken, new { name = "Checkout bot" }), HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("lo_", key);
        Assert.Equal("Checkout bot", created.GetProperty("name").GetString());
        // Without a body, as before: a key and its id.
        var unnamed = await JsonAsync(await api.SendAsync(HttpMethod.Post, "/api/v1/apikeys", tenant.AdminToken), HttpStatusCode.Created);
        Assert.StartsWith("lo_", unnamed.GetProperty("key").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await api.SendAsync(HttpMethod.Post, "/api/v1/events", null,
            new { events = new[] { Ev.Started("k-1", T) } }, key)).StatusCode);
        var listing = await api.SendAsync(HttpMethod.Get, "/api/v1/apikeys", tenant.AdminToken);
        var text = await listing.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        Assert.DoesNotContain(key, text);
        Assert.DoesNotContain(tenant.IngestKey, text);
        Assert.DoesNotContain(LiveOrleans.Api.Identity.ApiKeys.Hash(key), text, StringComparison.OrdinalIgnoreCase);
        var items = JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(3, items.Length); // the tenant's first key, the named one, the unnamed one
        var named = items.Single(k => k.GetProperty("id").GetString() == id);
        Assert.Equal("Checkout bot", named.GetProperty("name").GetString());
        Assert.Equal(T, named.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(T, named.GetProperty("lastUsedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, items.Single(k => k.GetProperty("id").GetString() == unnamed.GetProperty("id").GetString()).GetProperty("lastUsedAt").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{id}", tenant.AdminToken)).StatusCode);
        var refused = await WithinAsync(HttpStatusCode.Unauthorized, 5, () => api.SendAsync(HttpMethod.Post, "/api/v1/events", null,
            new { events = new[] { Ev.Started("k-2", T) } }, key));
        Assert.True(refused.Status == HttpStatusCode.Unauthorized, $"the revoked key still answered {refused.Status} after {refused.After}: {refused.Body}");
        Assert.Contains("X-Api-Key", JsonDocument.Parse(refused.Body).RootElement.GetProperty("detail").GetString());
        // The tenant's other keys go on; the revoked one is gone from the list, and revoking it again finds nothing.
        await tenant.IngestAsync(Ev.Started("k-3", T));
        Assert.DoesNotContain(id, (await tenant.GetAsync("/api/v1/apikeys")).GetRawText());
        var again = await JsonAsync(await api.SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{id}", tenant.AdminToken), HttpStatusCode.NotFound);
        Assert.Contains(id, again.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Another_tenants_key_and_person_answer_404_exactly_like_ids_that_do_not_exist()
    {
        var a = await api.NewTenantAsync();
        var b = await api.NewTenantAsync();
        var keyOfA = (await a.GetAsync("/api/v1/apikeys")).GetProperty("items")[0].GetProperty("id").GetString()!;
        var bossOfA = await UserIdAsync(a, "boss");

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Delete, "/api/v1/apikeys/{0}", null),
            (HttpMethod.Delete, "/api/v1/users/{0}", null),
            (HttpMethod.Put, "/api/v1/users/{0}", new { role = "viewer" }),
        })
        {
            var known = path.Contains("apikeys") ? keyOfA : bossOfA;
            using var theirs = await api.SendAsync(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, known), b.AdminToken, body);
            using var nobodys = await api.SendAsync(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, "zz_nobody"), b.AdminToken, body);
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, nobodys.StatusCode);
            var detail = (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            Assert.Equal((await nobodys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!.Replace("zz_nobody", known), detail);
        }
        // A's key and admin are untouched.
        await a.IngestAsync(Ev.Started("iso-1", T));
        Assert.Equal("admin", (await a.GetAsync("/api/v1/users")).GetProperty("items")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task People_are_listed_changed_and_removed_by_an_admin_only_and_validated()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var viewer = await tenant.UserTokenAsync("vera", "viewer");
        var id = await UserIdAsync(tenant, "vera");

        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Get, "/api/v1/users", viewer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{id}", viewer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Get, "/api/v1/apikeys", viewer)).StatusCode);

        var invalid = await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{id}", tenant.AdminToken, new { role = "owner" }), HttpStatusCode.BadRequest);
        Assert.Contains("admin, supervisor, agent, viewer", invalid.GetProperty("errors").GetProperty("role")[0].GetString());
        var noAgent = await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{id}", tenant.AdminToken, new { role = "agent" }), HttpStatusCode.BadRequest);
        Assert.True(noAgent.GetProperty("errors").TryGetProperty("agentId", out _));
        var nothing = await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{id}", tenant.AdminToken, new { }), HttpStatusCode.BadRequest);
        Assert.Contains("Send name, role, agentId", nothing.GetProperty("errors").GetProperty("name")[0].GetString());

        var changed = await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{id}", tenant.AdminToken,
            new { name = "Vera Agent", role = "agent", agentId = "agent-vera" }), HttpStatusCode.OK);
        Assert.Equal("Vera Agent", changed.GetProperty("name").GetString());
        Assert.Equal("agent", changed.GetProperty("role").GetString());
        Assert.Equal("agent-vera", changed.GetProperty("agentId").GetString());
        Assert.Equal("vera", changed.GetProperty("username").GetString());
        var listed = (await tenant.GetAsync("/api/v1/users")).GetProperty("items").EnumerateArray().Single(u => u.GetProperty("id").GetString() == id);
        Assert.Equal(changed.GetRawText(), listed.GetRawText());
        Assert.DoesNotContain("password", (await tenant.GetAsync("/api/v1/users")).GetRawText(), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{id}", tenant.AdminToken)).StatusCode);
        Assert.DoesNotContain(id, (await tenant.GetAsync("/api/v1/users")).GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{id}", tenant.AdminToken)).StatusCode);
        // Removed: the password no longer signs in, and the name may be taken again by someone new.
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = tenant.Id, username = "vera", password = "person-password" })).StatusCode);
        await tenant.UserTokenAsync("vera", "viewer");
    }

    [Fact]
    public async Task A_tenant_keeps_at_least_one_admin()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var boss = await UserIdAsync(tenant, "boss");

        var removeLast = await JsonAsync(await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{boss}", tenant.AdminToken), HttpStatusCode.Conflict);
        Assert.Equal("'boss' is the tenant's last admin and cannot be removed: make another person admin first.", removeLast.GetProperty("detail").GetString());
        var demoteLast = await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{boss}", tenant.AdminToken, new { role = "supervisor" }), HttpStatusCode.Conflict);
        Assert.Equal("'boss' is the tenant's last admin and cannot be demoted: make another person admin first.", demoteLast.GetProperty("detail").GetString());
        // Renaming the last admin, or keeping the role, is no demotion.
        await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{boss}", tenant.AdminToken, new { name = "The Boss", role = "admin" }), HttpStatusCode.OK);

        // With a second admin, one of them may go; then the other is the last one again.
        var second = await tenant.UserTokenAsync("second", "admin");
        var secondId = await UserIdAsync(tenant, "second");
        await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{boss}", second, new { role = "viewer" }), HttpStatusCode.OK);
        await JsonAsync(await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{secondId}", second), HttpStatusCode.Conflict);
        var admins = (await api.GetJsonAsync("/api/v1/users", second)).GetProperty("items").EnumerateArray().Count(u => u.GetProperty("role").GetString() == "admin");
        Assert.Equal(1, admins);
    }

    [Fact]
    public async Task The_platform_administrator_is_neither_demoted_nor_removed_by_another_admin_of_its_tenant()
    {
        var platform = await api.LoginAsync("platform", "admin", LiveApi.PlatformPassword);
        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/users", platform,
            new { username = $"deputy{Guid.NewGuid():N}"[..20], password = "deputy-password", name = "Deputy", role = "admin" });
        var deputyName = (await JsonAsync(created, HttpStatusCode.Created)).GetProperty("username").GetString()!;
        var deputy = await api.LoginAsync("platform", deputyName, "deputy-password");
        var adminId = (await api.GetJsonAsync("/api/v1/users", deputy)).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("username").GetString() == "admin").GetProperty("id").GetString()!;

        var removed = await JsonAsync(await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{adminId}", deputy), HttpStatusCode.Conflict);
        Assert.Equal("'admin' is the platform administrator and cannot be removed.", removed.GetProperty("detail").GetString());
        var demoted = await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{adminId}", deputy, new { role = "viewer" }), HttpStatusCode.Conflict);
        Assert.Equal("'admin' is the platform administrator and cannot be demoted.", demoted.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, "/metrics", platform)).StatusCode);
    }

    [Fact]
    public async Task A_removed_persons_token_is_refused_and_a_demoted_supervisor_can_no_longer_intervene_within_seconds()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("acc-1", T), Ev.Received("acc-1", T, "Hello"));
        var viewer = await tenant.UserTokenAsync("gone", "viewer");
        var supervisor = await tenant.UserTokenAsync("sam", "supervisor");
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, "/api/v1/live/summary", viewer)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(HttpMethod.Post, "/api/v1/sessions/acc-1/interventions", supervisor, new { type = "pause", reason = "first" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/users/{await UserIdAsync(tenant, "gone")}", tenant.AdminToken)).StatusCode);
        var removed = await WithinAsync(HttpStatusCode.Unauthorized, 5, () => api.SendAsync(HttpMethod.Get, "/api/v1/live/summary", viewer));
        Assert.True(removed.Status == HttpStatusCode.Unauthorized, $"the removed person's token still answered {removed.Status} after {removed.After}");

        await JsonAsync(await api.SendAsync(HttpMethod.Put, $"/api/v1/users/{await UserIdAsync(tenant, "sam")}", tenant.AdminToken, new { role = "viewer" }), HttpStatusCode.OK);
        var demoted = await WithinAsync(HttpStatusCode.Forbidden, 5,
            () => api.SendAsync(HttpMethod.Post, "/api/v1/sessions/acc-1/interventions", supervisor, new { type = "resume", reason = "after demotion" }));
        Assert.True(demoted.Status == HttpStatusCode.Forbidden, $"the demoted supervisor's intervention answered {demoted.Status} after {demoted.After}: {demoted.Body}");
        // Still signed in, with a viewer's rights.
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, "/api/v1/live/summary", supervisor)).StatusCode);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// Every operation of the OpenAPI document, called by another tenant with the first tenant's ids: answered exactly
/// as for ids that exist nowhere (not even the existence shows), no answer holds any of the first tenant's data,
/// and nothing of the first tenant changed. The hub methods get the same sweep in tests/hubs/isolation.test.js.
/// </summary>
[Trait("Category", "http")]
public sealed class TenantIsolationTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    // Markers only tenant A's data holds: any of them in an answer to B is a leak.
    private const string Session = "secret-a-session";
    private const string Agent = "secret-a-agent";
    private const string Team = "secret-a-team";
    private const string Customer = "Secret A Customer";
    private const string Text = "secret a message text";
    private const string ViewName = "Secret A view";
    private const string Person = "secret-a-person";
    private const string KeyName = "Secret A key";
    private static readonly string[] Markers = [Session, Agent, Team, Customer, Text, ViewName, "secret a reason", Person, KeyName];

    [Fact]
    public async Task Another_tenant_learns_nothing_of_a_tenant_through_any_operation_and_changes_nothing()
    {
        api.Clock.AdjustTime(T.AddMinutes(5));
        var a = await api.NewTenantAsync();
        var b = await api.NewTenantAsync();
        await a.IngestAsync(
            Ev.Started(Session, T, agent: Agent, team: Team, owner: "secret-a-owner", userName: Customer),
            Ev.Received(Session, T.AddMinutes(1), Text));
        var pause = await api.SendAsync(HttpMethod.Post, $"/api/v1/sessions/{Session}/interventions", a.AdminToken, new { type = "pause", reason = "secret a reason" });
        Assert.Equal(HttpStatusCode.Created, pause.StatusCode);
        var interventionId = (await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("interventionId").GetString()!;
        var view = await api.SendAsync(HttpMethod.Post, "/api/v1/views", a.AdminToken, new { name = ViewName, filter = new { agents = new[] { Agent } } });
        var viewId = (await view.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var person = await api.SendAsync(HttpMethod.Post, "/api/v1/users", a.AdminToken, new { username = Person, password = "person-password", name = Person, role = "supervisor" });
        var userId = (await person.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var key = await api.SendAsync(HttpMethod.Post, "/api/v1/apikeys", a.AdminToken, new { name = KeyName });
        var keyId = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var ids = new AIds(interventionId, viewId, userId, keyId);
        var none = new AIds("int_zznone000", "view_zznone", "usr_zznone", "key_zznone");
        var before = await SnapshotOfAAsync(a, interventionId, viewId);

        var document = await (await api.Client.GetAsync("/openapi/v1.json")).Content.ReadFromJsonAsync<JsonElement>();
        var swept = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = operation.Name.ToUpperInvariant();
                // Tenant creation is the platform's; agents and teams are put in the caller's own directory (checked below).
                if (path.Name is "/api/v1/tenants" or "/api/v1/auth/token" || path.Name.StartsWith("/api/v1/agents/", StringComparison.Ordinal)
                    || path.Name.StartsWith("/api/v1/teams/", StringComparison.Ordinal)) continue;
                var (status, text) = await CallAsB(b, method, path.Name, Session, ids);
                // An answer may repeat the ids B itself sent in the path (a 404 names them); compared below with unknown ids instead.
                var sentInPath = path.Name.Contains('{');
                foreach (var marker in Markers.Where(m => !sentInPath || m != Session).Concat(sentInPath ? [] : [interventionId, viewId, userId, keyId]))
                    Assert.False(text.Contains(marker, StringComparison.Ordinal), $"{method} {path.Name} as tenant B answered {status} holding A's {marker}: {text}");
                if (path.Name.Contains('{'))
                {
                    // The same call with ids that exist nowhere gets the same answer, the ids aside.
                    var (noneStatus, noneText) = await CallAsB(b, method, path.Name, "zz-none-session", none);
                    Assert.True(status == noneStatus, $"{method} {path.Name}: {status} for A's ids, {noneStatus} for unknown ones");
                    Assert.Equal(Normalise(noneText, "zz-none-session", none), Normalise(text, Session, ids));
                    Assert.True(status is HttpStatusCode.NotFound, $"{method} {path.Name} answered {status} for A's ids: {text}");
                }
                swept++;
            }
        }
        Assert.True(swept >= 23, $"only {swept} operations swept");

        // B's agent and team of the same ids are B's own; A's directory is untouched.
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Put, $"/api/v1/agents/{Agent}", b.AdminToken, new { name = "B's agent", kind = "ai" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Put, $"/api/v1/teams/{Team}", b.AdminToken, new { name = "B's team" })).StatusCode);
        // B's events for a session of the same id make a session of B's own.
        await b.IngestAsync(Ev.Started(Session, T.AddMinutes(2), userName: "B's customer"), Ev.Ended(Session, T.AddMinutes(3)));

        Assert.Equal(before, await SnapshotOfAAsync(a, interventionId, viewId));
    }

    /// <summary>What A sees of its own data, as one string: a change anywhere changes it.</summary>
    private async Task<string> SnapshotOfAAsync(TestTenant a, string interventionId, string viewId)
    {
        var parts = new List<string>();
        foreach (var path in new[] { $"/api/v1/sessions/{Session}", "/api/v1/live/sessions", "/api/v1/live/summary", "/api/v1/live/agents", "/api/v1/activity",
                     "/api/v1/interventions", $"/api/v1/views/{viewId}", "/api/v1/views", "/api/v1/tenant", "/api/v1/users", "/api/v1/apikeys" })
        {
            var json = await a.GetAsync(path);
            parts.Add(System.Text.RegularExpressions.Regex.Replace(json.GetRawText(), "\"(asOf|elapsedSeconds|durationSeconds)\":[^,}]*", ""));
        }
        Assert.Contains(interventionId, string.Join("", parts));
        return string.Join("\n", parts);
    }

    /// <summary>Ids of tenant A's things (or of nothing) that B puts in paths.</summary>
    private sealed record AIds(string Intervention, string View, string User, string Key);

    private async Task<(HttpStatusCode Status, string Text)> CallAsB(TestTenant b, string method, string path, string session, AIds ids)
    {
        var url = path.Replace("/sessions/{id}", $"/sessions/{session}", StringComparison.Ordinal)
            .Replace("/views/{id}", $"/views/{ids.View}", StringComparison.Ordinal)
            .Replace("/users/{id}", $"/users/{ids.User}", StringComparison.Ordinal)
            .Replace("/apikeys/{id}", $"/apikeys/{ids.Key}", StringComparison.Ordinal)
            .Replace("{interventionId}", ids.Intervention, StringComparison.Ordinal);
        if (path == "/api/v1/interventions") url += $"?sessionId={session}";
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (path is "/api/v1/events" || path.StartsWith("/api/v1/control", StringComparison.Ordinal)) request.Headers.Add("X-Api-Key", b.IngestKey);
        else request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", b.AdminToken);
        object? body = path switch
        {
            "/api/v1/events" => new { events = new[] { Ev.Received("b-own-session", T.AddMinutes(4), "from B") } },
            "/api/v1/sessions/{id}/interventions" => new { type = "resume", reason = "B tries" },
            "/api/v1/views" or "/api/v1/views/{id}" => new { name = "B view", filter = new { } },
            "/api/v1/tenant" => new { name = "B renamed" },
            "/api/v1/users/{id}" => new { role = "viewer", name = "B renames" },
            _ => method is "POST" or "PUT" ? new { } : null,
        };
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (path == "/api/v1/control")
        {
            // The stream never ends: what it sends within a second is what B would see first (A's pending pause must not be there).
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var buffer = new byte[64 * 1024];
            var got = 0;
            try
            {
                var stream = await response.Content.ReadAsStreamAsync();
                while (got < buffer.Length)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(got), read.Token);
                    if (n == 0) break;
                    got += n;
                }
            }
            catch (OperationCanceledException) { }
            return (response.StatusCode, System.Text.Encoding.UTF8.GetString(buffer, 0, got));
        }
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Normalise(string text, string session, AIds ids)
        => System.Text.RegularExpressions.Regex.Replace(
            text.Replace(session, "{session}", StringComparison.Ordinal).Replace(ids.Intervention, "{intervention}", StringComparison.Ordinal)
                .Replace(ids.View, "{view}", StringComparison.Ordinal).Replace(ids.User, "{user}", StringComparison.Ordinal).Replace(ids.Key, "{key}", StringComparison.Ordinal),
            "\"traceId\":\"[^\"]*\"", "");
}

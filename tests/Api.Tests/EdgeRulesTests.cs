using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// What the edge refuses that a browser would otherwise show: attachment links other than http(s), and names with
/// control characters or bidirectional overrides — one rule for events and the admin routes, each refusal naming the field.
/// </summary>
[Trait("Category", "http")]
public sealed class EdgeRulesTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private static Dictionary<string, object?> Media(string session, params string[] urls)
    {
        var e = Ev.Received(session, T);
        e["message"] = new
        {
            id = Ev.NewId(), format = "media",
            attachments = urls.Select((url, i) => new { type = "image", url, name = $"a{i}.png" }).ToArray(),
        };
        return e;
    }

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("JavaScript:alert(1)")]
    [InlineData("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")]
    [InlineData("//evil.example/a.png")]
    [InlineData("/relative/a.png")]
    [InlineData("files/a.png")]
    [InlineData("ftp://files.example/a.png")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://")]
    [InlineData("https:///no-host")]
    [InlineData(" https://files.example/a.png")]
    [InlineData("https://files.example/a b.png")]
    [InlineData("vbscript:msgbox(1)")]
    public async Task An_attachment_url_that_is_not_absolute_http_or_https_is_refused_naming_it(string url)
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();

        var response = await tenant.PostEventsAsync(Ev.Started("s", T), Media("s", "https://files.example/ok.png", url));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["events[1].message.attachments[1].url"], errors.EnumerateObject().Select(e => e.Name));
        Assert.Contains("http:// or https://", errors.GetProperty("events[1].message.attachments[1].url")[0].GetString());
        Assert.Empty(await tenant.CardsAsync());
    }

    [Fact]
    public async Task Absolute_http_and_https_attachment_urls_are_kept_as_sent()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        string[] urls = ["https://files.example/a.png?sig=1&x=%20", "HTTP://files.example:8080/b.pdf", "https://[2001:db8::1]/c.png"];

        Assert.Equal(HttpStatusCode.Accepted, (await tenant.PostEventsAsync(Ev.Started("s", T), Media("s", urls))).StatusCode);

        var message = (await tenant.CardAsync("s")).GetProperty("messages")[0];
        Assert.Equal(urls, message.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("url").GetString()));
    }

    /// <summary>Names with what the edge refuses: a right-to-left override, an isolate, an embedding, control characters, a line separator.</summary>
    public static TheoryData<string> BadNames => new()
    {
        "invoice\u202Efdp.exe",
        "Ann\u2067Bob\u2069",
        "\u202AAnn",
        "Ann\u0007",
        "Ann\nBob",
        "Ann\tBob",
        "Ann\u001B[31m",
        "Ann\u0085",
        "Ann\u2028Bob",
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task A_name_in_an_event_with_control_or_bidi_override_characters_is_refused_naming_the_field(string name)
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var voice = Ev.Received("s", T);
        voice["message"] = new { id = Ev.NewId(), format = "voice", text = "hello", speaker = name };
        var media = Ev.Received("s", T);
        media["message"] = new { id = Ev.NewId(), format = "media", attachments = new[] { new { type = "document", url = "https://files.example/x", name } } };

        var response = await tenant.PostEventsAsync(
            Ev.Started("s", T, userName: name), voice, media, Ev.AgentStatus("bot", T, "online", name: name));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["events[0].user.name", "events[1].message.speaker", "events[2].message.attachments[0].name", "events[3].name"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Contains("Must not contain", errors.GetProperty("events[0].user.name")[0].GetString());
        Assert.Empty(await tenant.CardsAsync());
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task A_name_in_an_admin_route_with_control_or_bidi_override_characters_is_refused_naming_the_field(string name)
    {
        var tenant = await api.NewTenantAsync();
        var token = tenant.AdminToken;
        // A person and a saved view to rename, as the routes that change them take names too.
        await tenant.UserTokenAsync("vera", "viewer");
        var vera = (await tenant.GetAsync("/api/v1/users")).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("username").GetString() == "vera").GetProperty("id").GetString();
        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/views", token, new { name = "Mine", filter = new { } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var keys = (await tenant.GetAsync("/api/v1/apikeys")).GetRawText();
        var requests = new (HttpMethod Method, string Path, string? Token, object Body, string Field)[]
        {
            (HttpMethod.Post, "/api/v1/tenants", api.PlatformToken, new { id = "t" + Guid.NewGuid().ToString("N")[..10], name, admin = new { username = "boss", password = "boss-password" } }, "name"),
            (HttpMethod.Put, "/api/v1/tenant", token, new { name }, "name"),
            (HttpMethod.Post, "/api/v1/users", token, new { username = "ann", password = "person-password", name, role = "viewer" }, "name"),
            (HttpMethod.Put, "/api/v1/agents/bot", token, new { name, kind = "ai" }, "name"),
            (HttpMethod.Put, "/api/v1/teams/sales", token, new { name }, "name"),
            (HttpMethod.Post, "/api/v1/views", token, new { name, filter = new { } }, "name"),
            (HttpMethod.Put, $"/api/v1/views/{view}", token, new { name, filter = new { } }, "name"),
            (HttpMethod.Put, $"/api/v1/users/{vera}", token, new { name }, "name"),
            (HttpMethod.Post, "/api/v1/apikeys", token, new { name }, "name"),
        };
        foreach (var (method, path, caller, body, field) in requests)
        {
            var response = await api.SendAsync(method, path, caller, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} answered {(int)response.StatusCode}: {text}");
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"{method} {path}: {text}");
            Assert.StartsWith("Must not contain", messages[0].GetString());
        }
        // Nothing was changed or created.
        Assert.Equal($"Tenant {tenant.Id}", (await tenant.GetAsync("/api/v1/tenant")).GetProperty("name").GetString());
        Assert.Equal(["Mine"], (await tenant.GetAsync("/api/v1/views")).EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Equal("vera", (await tenant.GetAsync("/api/v1/users")).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("id").GetString() == vera).GetProperty("name").GetString());
        Assert.Equal(keys, (await tenant.GetAsync("/api/v1/apikeys")).GetRawText());
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = tenant.Id, username = "ann", password = "person-password" })).StatusCode);
    }

    [Fact]
    public async Task Right_to_left_names_and_direction_marks_are_accepted_in_events_and_admin_routes()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        const string arabic = "\u0645\u0631\u064A\u0645 \u200F(Maryam)";
        const string hebrew = "\u05D3\u05E0\u05D4 \u200E2";

        Assert.Equal(HttpStatusCode.Accepted, (await tenant.PostEventsAsync(Ev.Started("s", T, userName: arabic), Ev.AgentStatus("bot", T, "online", name: hebrew))).StatusCode);
        Assert.Equal(arabic, (await tenant.CardAsync("s")).GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Put, "/api/v1/teams/sales", tenant.AdminToken, new { name = hebrew })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Put, "/api/v1/tenant", tenant.AdminToken, new { name = arabic })).StatusCode);
        Assert.Equal(arabic, (await tenant.GetAsync("/api/v1/tenant")).GetProperty("name").GetString());
    }
}

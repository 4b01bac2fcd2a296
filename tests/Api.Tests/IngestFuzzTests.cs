using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// A seeded fuzz of <c>POST /api/v1/events</c>: thousands of malformed batches, every class of the hardening issue
/// (empty bodies, lone surrogates, invalid UTF-8, NUL characters, timestamps out of range or in other formats,
/// duplicate keys, the same event id twice, identifiers with a trailing newline, wrong types, broken JSON, names with
/// bidi overrides or escape sequences, attachment links that are not http(s)). Each one
/// must be refused with a 400 naming a field, never a 5xx, and nothing of any of them may be stored.
/// </summary>
[Trait("Category", "http")]
public sealed class IngestFuzzTests(LiveApi api) : IClassFixture<LiveApi>
{
    private const int Requests = 2_200;

    private delegate byte[] Mutation(Random random, int n);

    /// <summary>The engine's clock (the tests' manual one), so only the mutation makes a batch wrong.</summary>
    private static DateTimeOffset s_now = LiveApi.Start;

    private static string Now => s_now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A valid two-event batch with placeholders the mutations fill in.</summary>
    private static string Batch(int n, string sessionId = "\"fz-{n}\"", string eventId = "\"e-{n}\"", string timestamp = "\"{now}\"", string userName = "\"Ann\"",
        string channel = "\"web\"", string secondId = "\"m-{n}\"", string extra = "")
        => ("{\"events\":[{\"id\":" + eventId + ",\"type\":\"session_started\",\"timestamp\":" + timestamp + ",\"sessionId\":" + sessionId
            + ",\"channel\":" + channel + ",\"agentId\":\"bot\",\"user\":{\"id\":\"u1\",\"name\":" + userName + "}" + extra + "},"
            + "{\"id\":" + secondId + ",\"type\":\"message_received\",\"timestamp\":\"{now}\",\"sessionId\":" + sessionId
            + ",\"message\":{\"id\":\"msg-{n}\",\"format\":\"text\",\"text\":\"hello\"}}]}")
            .Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("{now}", Now);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Each class with the field its refusal must name (a prefix of a key of the errors map).</summary>
    private static readonly (string Class, string Field, Mutation Make)[] Mutations =
    [
        ("empty body", "body", (_, _) => []),
        ("whitespace body", "body", (_, _) => Utf8("  \n ")),
        ("lone surrogate in a session id", "events[0].sessionId", (_, n) => Utf8(Batch(n, sessionId: "\"fz-\\ud800\""))),
        ("lone surrogate in a user name", "events[0].user.name", (_, n) => Utf8(Batch(n, userName: "\"An\\udc00n\""))),
        ("lone surrogate in the type", "events[0].type", (_, n) => Utf8(Batch(n).Replace("\"session_started\"", "\"session_\\ud83d\""))),
        ("invalid UTF-8 inside a string", "events[0].user.name", (r, n) =>
        {
            var bytes = Utf8(Batch(n, userName: "\"A@@n\"")).ToList();
            var at = bytes.IndexOf((byte)'@');
            bytes[at] = r.Next(2) == 0 ? (byte)0xC3 : (byte)0xFF;
            bytes[at + 1] = 0x28;
            return [.. bytes];
        }),
        ("NUL in an id", "events[0].sessionId", (_, n) => Utf8(Batch(n, sessionId: "\"fz\\u0000x\""))),
        ("NUL in a name", "events[0].user.name", (_, n) => Utf8(Batch(n, userName: "\"A\\u0000nn\""))),
        ("timestamp 0001-01-01", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"0001-01-01T00:00:00Z\""))),
        ("timestamp 1970-01-01 (date only)", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"1970-01-01\""))),
        ("timestamp before 2000", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"1999-12-31T23:59:59Z\""))),
        ("timestamp with a space for T", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"" + Now.Replace('T', ' ') + "\""))),
        ("timestamp in RFC 1123", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"" + s_now.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "\""))),
        ("timestamp with a leading space", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\" " + Now + "\""))),
        ("timestamp without a zone", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"" + Now.TrimEnd('Z') + "\""))),
        ("timestamp far in the future", "events[0].timestamp", (_, n) => Utf8(Batch(n, timestamp: "\"2999-01-01T00:00:00Z\""))),
        ("duplicate JSON keys", "body", (_, n) => Utf8(Batch(n, extra: ",\"channel\":\"phone\""))),
        ("the same event id twice", "events[1].id", (_, n) => Utf8(Batch(n, secondId: "\"e-{n}\"".Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture))))),
        ("trailing newline in a session id", "events[0].sessionId", (_, n) => Utf8(Batch(n, sessionId: $"\"fz-{n}\\n\""))),
        ("trailing newline in a channel", "events[0].channel", (_, n) => Utf8(Batch(n, channel: "\"web\\n\""))),
        ("a number for a string", "events[0].sessionId", (r, n) => Utf8(Batch(n, sessionId: r.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture)))),
        ("a bidi override in a user name", "events[0].user.name", (_, n) => Utf8(Batch(n, userName: "\"Ann\\u202Egnp.exe\""))),
        ("an escape sequence in a user name", "events[0].user.name", (_, n) => Utf8(Batch(n, userName: "\"Ann\\u001b[31m\""))),
        ("a script link as an attachment", "events[1].message.attachments[0].url", (r, n) => Utf8(Batch(n).Replace("\"format\":\"text\",\"text\":\"hello\"",
            "\"format\":\"media\",\"attachments\":[{\"type\":\"image\",\"url\":\"" + new[] { "javascript:alert(1)", "data:text/html,x", "//evil.example/a" }[r.Next(3)] + "\"}]"))),
        ("an array for an object", "events[0].user", (_, n) => Utf8(Batch(n).Replace("\"user\":{\"id\":\"u1\",\"name\":\"Ann\"}", "\"user\":[1,2]"))),
        ("an unknown event type", "events[1].type", (_, n) => Utf8(Batch(n).Replace("\"message_received\"", "\"message_exploded\""))),
        ("a missing required field", "events[0].agentId", (_, n) => Utf8(Batch(n).Replace("\"agentId\":\"bot\",", ""))),
        ("an id too long", "events[0].id", (r, n) => Utf8(Batch(n, eventId: "\"" + new string('x', 129 + r.Next(50)) + "\""))),
        ("truncated JSON", "body", (r, n) => { var b = Utf8(Batch(n)); return b[..r.Next(1, b.Length - 1)]; }),
        ("random bytes", "body", (r, _) => { var b = new byte[r.Next(1, 200)]; r.NextBytes(b); return b; }),
        ("nested too deep", "body", (_, _) => Utf8("{\"events\":[" + new string('[', 40) + new string(']', 40) + "]}")),
        ("not an object", "events", (_, _) => Utf8("[1,2,3]")),
        ("no events", "events", (_, _) => Utf8("{\"events\":[]}")),
    ];

    [Fact]
    public async Task Thousands_of_malformed_batches_are_refused_naming_a_field_and_nothing_is_stored()
    {
        var tenant = await api.NewTenantAsync();
        s_now = api.Clock.GetUtcNow();
        var random = new Random(7316);
        var failures = new List<string>();
        var byClass = new Dictionary<string, int>();
        for (var n = 0; n < Requests; n++)
        {
            var (name, field, make) = Mutations[random.Next(Mutations.Length)];
            byClass[name] = byClass.GetValueOrDefault(name) + 1;
            var body = make(random, n);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Api-Key", tenant.IngestKey);
            using var response = await api.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest)
            {
                failures.Add($"{name}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
                continue;
            }
            var problem = JsonDocument.Parse(text).RootElement;
            if (!problem.TryGetProperty("errors", out var errors) || !errors.EnumerateObject().Any(e => e.Name.StartsWith(field, StringComparison.Ordinal)))
                failures.Add($"{name}: 400 without naming {field}: {text[..Math.Min(300, text.Length)]}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Requests} not refused as expected:\n" + string.Join("\n", failures.Distinct().Take(20)));
        Assert.Equal(Mutations.Length, byClass.Count); // every class was tried
        // Nothing of any of them was stored: no session, no activity.
        Assert.Equal(0, (await tenant.GetAsync("/api/v1/live/sessions")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await tenant.SummaryAsync()).Sum());

        // And the same tenant still takes a good batch.
        var good = await tenant.PostEventsAsync(
            new { id = "ok-1", type = "session_started", timestamp = Now, sessionId = "ok", channel = "web", agentId = "bot", user = new { id = "u1" } });
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
    }

    [Fact]
    public async Task A_user_or_tenant_with_a_trailing_newline_is_not_created()
    {
        var tenant = await api.NewTenantAsync();
        var user = await api.SendAsync(HttpMethod.Post, "/api/v1/users", tenant.AdminToken, new { username = "admin\n", password = "person-password", name = "x", role = "admin" });
        var newTenant = await api.SendAsync(HttpMethod.Post, "/api/v1/tenants", api.PlatformToken, new { id = "gamma\n", name = "Gamma", admin = new { username = "boss", password = "boss-password" } });

        Assert.Equal(HttpStatusCode.BadRequest, user.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, newTenant.StatusCode);
        Assert.True((await user.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("username", out _));
        Assert.True((await newTenant.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("id", out _));
    }

    [Theory]
    [InlineData("/api/v1/sessions/s1/interventions", "{\"type\":\"transfer\",\"reason\":\"r\",\"target\":{\"agentId\":\"a\\ud800\"}}")]
    [InlineData("/api/v1/sessions/s1/interventions", "{\"type\":\"pause\",\"reason\":\"\\udc00\"}")]
    [InlineData("/api/v1/views", "{\"name\":\"\\ud800\",\"filter\":{}}")]
    [InlineData("/api/v1/views", "{\"name\":\"x\",\"filter\":")]
    [InlineData("/api/v1/auth/token", "{\"tenant\":")]
    [InlineData("/api/v1/auth/token", "{\"tenant\":7}")]
    public async Task A_body_that_cannot_be_read_is_a_400_naming_it_never_a_500(string path, string json)
    {
        var tenant = await api.NewTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.AdminToken);
        using var response = await api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.EnumerateObject().Any(), errors.ToString());
    }
}

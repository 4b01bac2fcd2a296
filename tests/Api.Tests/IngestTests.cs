using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/contract.md, "Ingest": validation at the edge, idempotency, limits.</summary>
[Trait("Category", "http")]
public sealed class IngestTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task A_repeated_event_id_is_counted_as_a_duplicate_and_not_applied_again()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var started = Ev.Started("s", T.AddMinutes(-1), id: "start-1");
        var message = Ev.Received("s", T.AddMinutes(-1), "only once", id: "msg-1");

        var first = await tenant.IngestAsync(started, message);
        var second = await tenant.IngestAsync(message, Ev.Received("s", T, "new one", id: "msg-2"));

        Assert.Equal(2, first.GetProperty("accepted").GetInt32());
        Assert.Equal(0, first.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, second.GetProperty("accepted").GetInt32());
        Assert.Equal(1, second.GetProperty("duplicates").GetInt32());
        Assert.Equal(2, (await tenant.CardAsync("s")).GetProperty("totalMessages").GetInt32());
    }

    [Fact]
    public async Task The_same_event_id_twice_in_one_batch_is_refused_naming_both_and_nothing_is_stored()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T, id: "start-1"));

        var response = await tenant.PostEventsAsync(Ev.Received("s", T, "one", id: "msg-9"), Ev.Received("s", T, "other", id: "msg-9"));
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("events[0]", errors.GetProperty("events[1].id")[0].GetString());
        Assert.Equal(0, (await tenant.CardAsync("s")).GetProperty("totalMessages").GetInt32());
    }

    [Fact]
    public async Task The_same_event_id_in_another_tenant_is_not_a_duplicate()
    {
        api.Clock.AdjustTime(T);
        var one = await api.NewTenantAsync();
        var two = await api.NewTenantAsync();
        await one.IngestAsync(Ev.Received("s", T, id: "shared-id"));

        var answer = await two.IngestAsync(Ev.Received("s", T, id: "shared-id"));

        Assert.Equal(0, answer.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task A_batch_with_one_bad_event_is_refused_whole_naming_every_bad_field()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var bad = Ev.Received("s2", T);
        bad.Remove("sessionId");
        var alsoBad = Ev.Started("s3", T, channel: "Not A Channel");
        alsoBad["priority"] = "critical";

        var response = await tenant.PostEventsAsync(Ev.Started("s1", T), Ev.Received("s1", T), bad, alsoBad);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["events[2].sessionId", "events[3].channel", "events[3].priority"], errors);
        Assert.Contains("nothing of the batch was stored", problem.GetProperty("detail").GetString());
        Assert.Empty(await tenant.CardsAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/s1", tenant.AdminToken)).StatusCode);
    }

    [Theory]
    [InlineData("""{"id":"x","type":"teleported","timestamp":"2026-11-22T09:00:00Z","sessionId":"s"}""", "events[0].type")]
    [InlineData("""{"id":"x","type":"message_received","timestamp":"2026-11-22T09:00:00","sessionId":"s","message":{"id":"m","format":"text","text":"hi"}}""", "events[0].timestamp")]
    [InlineData("""{"id":"x","type":"message_received","timestamp":"2026-11-22T10:06:00Z","sessionId":"s","message":{"id":"m","format":"text","text":"hi"}}""", "events[0].timestamp")]
    [InlineData("""{"id":"x y","type":"agent_thinking","timestamp":"2026-11-22T09:00:00Z","sessionId":"s"}""", "events[0].id")]
    [InlineData("""{"id":"x","type":"message_sent","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","message":{"id":"m","format":"text","text":"hi"},"sender":{"kind":"robot"}}""", "events[0].sender.kind")]
    [InlineData("""{"id":"x","type":"message_sent","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","message":{"id":"m","format":"text"},"sender":{"kind":"ai"}}""", "events[0].message.text")]
    [InlineData("""{"id":"x","type":"message_received","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","message":{"id":"m","format":"media","attachments":[{"type":"gif","url":"u"}]}}""", "events[0].message.attachments[0].type")]
    [InlineData("""{"id":"x","type":"message_delta","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","messageId":"m","delta":"a","index":-1}""", "events[0].index")]
    [InlineData("""{"id":"x","type":"conversation_assigned","timestamp":"2026-11-22T09:00:00Z","sessionId":"s"}""", "events[0].ownerId")]
    [InlineData("""{"id":"x","type":"agent_status_changed","timestamp":"2026-11-22T09:00:00Z","status":"away","agentId":"a"}""", "events[0].status")]
    [InlineData("""{"id":"x","type":"error_occurred","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","error":{"code":"c"}}""", "events[0].error.message")]
    [InlineData("""42""", "events[0]")]
    public async Task Each_kind_of_bad_event_is_named(string eventJson, string field)
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var response = await PostRawAsync(tenant, $$"""{"events":[{{eventJson}}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"expected {field} in {errors}");
    }

    [Fact]
    public async Task A_message_text_over_32_KiB_is_refused()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var response = await tenant.PostEventsAsync(Ev.Received("s", T, new string('é', 16 * 1024 + 1)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("events[0].message.text", out _));
    }

    [Fact]
    public async Task More_than_a_thousand_events_or_an_empty_batch_is_refused()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var tooMany = Enumerable.Range(0, 1001).Select(_ => (object)Ev.Thinking("s", T)).ToArray();

        Assert.Equal(HttpStatusCode.BadRequest, (await tenant.PostEventsAsync(tooMany)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tenant.PostEventsAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await tenant.PostEventsAsync(tooMany[..1000])).StatusCode);
    }

    [Fact]
    public async Task A_body_over_one_MiB_is_refused_as_too_large()
    {
        var tenant = await api.NewTenantAsync();
        var response = await PostRawAsync(tenant, $$"""{"events":[],"padding":"{{new string('x', 1024 * 1024)}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_with_a_problem()
    {
        var tenant = await api.NewTenantAsync();
        var response = await PostRawAsync(tenant, "{\"events\": [");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Without_a_valid_api_key_ingest_is_unauthorized()
    {
        var noKey = await api.SendAsync(HttpMethod.Post, "/api/v1/events", null, new { events = new[] { Ev.Thinking("s", T) } });
        var wrongKey = await api.SendAsync(HttpMethod.Post, "/api/v1/events", null, new { events = new[] { Ev.Thinking("s", T) } }, apiKey: "lo_wrong");
        var tenant = await api.NewTenantAsync();
        var bearerInstead = await api.SendAsync(HttpMethod.Post, "/api/v1/events", tenant.AdminToken, new { events = new[] { Ev.Thinking("s", T) } });

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bearerInstead.StatusCode);
        Assert.Equal("application/problem+json", wrongKey.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_new_api_key_ingests_into_its_tenant()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/apikeys", tenant.AdminToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();

        var response = await api.SendAsync(HttpMethod.Post, "/api/v1/events", null, new { events = new[] { Ev.Received("via-new-key", T) } }, apiKey: key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(await tenant.CardsAsync());
    }

    private async Task<HttpResponseMessage> PostRawAsync(TestTenant tenant, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", tenant.IngestKey);
        return await api.Client.SendAsync(request);
    }
}

/// <summary>The tenant rate limit answers 429 with Retry-After.</summary>
[Trait("Category", "http")]
public sealed class IngestRateLimitTests(IngestRateLimitTests.SlowApi api) : IClassFixture<IngestRateLimitTests.SlowApi>
{
    public sealed class SlowApi : LiveApi
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Ingest:EventsPerSecondPerTenant", "10")];
    }

    [Fact]
    public async Task A_tenant_over_its_rate_gets_429_with_retry_after_and_nothing_stored()
    {
        var tenant = await api.NewTenantAsync();
        var burst = Enumerable.Range(0, 20).Select(i => (object)Ev.Received($"s{i}", LiveApi.Start)).ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await tenant.PostEventsAsync(burst)).StatusCode);

        // The bucket holds two seconds' worth (20) and refills 10 a second: another 20 at once cannot fit.
        var over = await tenant.PostEventsAsync(Enumerable.Range(0, 20).Select(i => (object)Ev.Received($"late{i}", LiveApi.Start)).ToArray());

        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.True(over.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, "/api/v1/sessions/late0", tenant.AdminToken)).StatusCode);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Validation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// The OpenAPI document against the running Api: every route is in it and nothing else, every query parameter it
/// lists is taken and any other is refused naming it, the fields it calls required are the ones the Api asks for,
/// and its ingest example is accepted as it stands.
/// </summary>
[Trait("Category", "http")]
public sealed class OpenApiTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly HttpMethod[] Methods = [HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch];

    private async Task<JsonElement> DocumentAsync()
    {
        var response = await api.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document)
        => from path in document.GetProperty("paths").EnumerateObject()
           from operation in path.Value.EnumerateObject()
           select (operation.Name.ToUpperInvariant(), path.Name, operation.Value);

    [Fact]
    public async Task The_document_lists_exactly_the_routes_of_the_api()
    {
        var routes = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .ToHashSet();
        var documented = Operations(await DocumentAsync()).Select(o => $"{o.Method} {o.Path}").ToHashSet();

        Assert.NotEmpty(routes);
        Assert.Equal(routes.Order(), documented.Order());
    }

    [Fact]
    public async Task Every_operation_refuses_a_query_parameter_it_does_not_document_and_takes_every_one_it_does()
    {
        api.Clock.AdjustTime(LiveApi.Start);
        var tenant = await api.NewTenantAsync();
        var checkedParameters = 0;
        foreach (var (method, path, operation) in Operations(await DocumentAsync()))
        {
            using (var unknown = await SendAsync(tenant, method, path, "zz_unknown=1"))
            {
                var text = await unknown.Content.ReadAsStringAsync();
                Assert.True(unknown.StatusCode == HttpStatusCode.BadRequest, $"{method} {path}?zz_unknown=1 answered {(int)unknown.StatusCode}: {text}");
                var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
                Assert.True(errors.TryGetProperty("zz_unknown", out _), $"{method} {path}: {text}");
            }
            if (!operation.TryGetProperty("parameters", out var parameters)) continue;
            foreach (var parameter in parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query"))
            {
                var name = parameter.GetProperty("name").GetString()!;
                var schema = parameter.GetProperty("schema");
                var value = schema.TryGetProperty("format", out var format) && format.GetString() == "date-time" ? "2026-11-22T10:00:00Z"
                    : schema.GetProperty("type").GetString() == "integer" ? "1" : "web";
                using var response = await SendAsync(tenant, method, path, $"{name}={Uri.EscapeDataString(value)}");
                var text = response.StatusCode == HttpStatusCode.BadRequest ? await response.Content.ReadAsStringAsync() : "";
                Assert.DoesNotContain("Unknown query parameter", text);
                checkedParameters++;
            }
        }
        // The live queries' filters, paging and the others: the document lists them all.
        Assert.True(checkedParameters >= 5 * 9 + 10, $"only {checkedParameters} documented query parameters");
    }

    [Fact]
    public async Task The_fields_the_document_calls_required_are_the_ones_an_empty_body_is_refused_for()
    {
        api.Clock.AdjustTime(LiveApi.Start);
        var tenant = await api.NewTenantAsync();
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var bodies = 0;
        foreach (var (method, path, operation) in Operations(document))
        {
            if (!operation.TryGetProperty("requestBody", out var body)) continue;
            var reference = body.GetProperty("content").GetProperty("application/json").GetProperty("schema");
            // A body the endpoint takes as nullable (to name it when missing) is "one of null or the record".
            if (reference.TryGetProperty("oneOf", out var oneOf)) reference = oneOf.EnumerateArray().Single(o => o.TryGetProperty("$ref", out _));
            if (!reference.TryGetProperty("$ref", out var name) || name.GetString()!.EndsWith("/JsonElement", StringComparison.Ordinal)) continue;
            var schema = schemas.GetProperty(name.GetString()!.Split('/')[^1]);
            if (!schema.TryGetProperty("required", out var required)) continue;

            using var response = await SendAsync(tenant, method, path, null, "{}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} with {{}} answered {(int)response.StatusCode}: {text}");
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            foreach (var field in required.EnumerateArray().Select(f => f.GetString()!))
                Assert.True(errors.TryGetProperty(field, out _), $"{method} {path}: {field} is documented as required, but {{}} was not refused for it: {text}");
            // What the Api asks for of an empty body is documented as required (interventions name type first, then the rest).
            foreach (var error in errors.EnumerateObject().Where(e => schema.GetProperty("properties").TryGetProperty(e.Name, out _)))
                Assert.Contains(error.Name, required.EnumerateArray().Select(f => f.GetString()));
            bodies++;
        }
        Assert.True(bodies >= 8, $"only {bodies} request bodies checked");
    }

    [Fact]
    public async Task The_ingest_example_of_the_document_is_accepted_as_it_stands()
    {
        api.Clock.AdjustTime(new DateTimeOffset(2026, 11, 22, 10, 30, 0, TimeSpan.Zero));
        var tenant = await api.NewTenantAsync();
        var example = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/events").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example");
        var types = example.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToHashSet();

        using var response = await SendAsync(tenant, "POST", "/api/v1/events", null, example.GetRawText());
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        Assert.Equal(example.GetProperty("events").GetArrayLength(), JsonDocument.Parse(text).RootElement.GetProperty("accepted").GetInt32());
        // Every event type of the contract is in it.
        Assert.Equal(11, types.Count);
    }

    [Fact]
    public async Task The_document_describes_every_field_of_the_session_detail_and_no_other()
    {
        api.Clock.AdjustTime(LiveApi.Start);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", LiveApi.Start.AddMinutes(-1)));
        var answered = (await tenant.CardAsync("s")).EnumerateObject().Select(p => p.Name).ToArray();

        var document = await DocumentAsync();
        var schema = document.GetProperty("paths").GetProperty("/api/v1/sessions/{id}").GetProperty("get").GetProperty("responses")
            .GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var name = schema.GetProperty("$ref").GetString()!.Split('/')[^1];
        var properties = document.GetProperty("components").GetProperty("schemas").GetProperty(name).GetProperty("properties");

        Assert.Equal(answered, properties.EnumerateObject().Select(p => p.Name));
        Assert.Contains("olderInterventionsCursor", answered);
    }

    [Fact]
    public async Task The_documented_bounds_and_values_of_query_parameters_are_the_ones_the_api_takes()
    {
        var tenant = await api.NewTenantAsync();
        var document = await DocumentAsync();
        var checkedBounds = 0;
        foreach (var (method, path, operation) in Operations(document).Where(o => o.Method == "GET" && o.Operation.TryGetProperty("parameters", out _)))
        {
            foreach (var parameter in operation.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query"))
            {
                var name = parameter.GetProperty("name").GetString()!;
                var schema = parameter.GetProperty("schema");
                if (!schema.TryGetProperty("maximum", out var maximum) || maximum.GetInt64() == int.MaxValue) continue;
                var max = maximum.GetInt32();
                using (var over = await SendAsync(tenant, method, path, $"{name}={max + 1}"))
                {
                    Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
                    Assert.True(JsonDocument.Parse(await over.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(name, out _), $"{path}?{name}={max + 1}");
                }
                using (var at = await SendAsync(tenant, method, path, $"{name}={max}"))
                {
                    var text = at.StatusCode == HttpStatusCode.BadRequest ? await at.Content.ReadAsStringAsync() : "";
                    Assert.DoesNotContain($"\"{name}\"", text);
                }
                checkedBounds++;
            }
        }
        // limit on the session list, the detail and the activity log; interventionsLimit on the detail.
        Assert.True(checkedBounds >= 4, $"only {checkedBounds} bounds checked");

        // The lists of values named in the descriptions are the ones the API takes.
        var filter = document.GetProperty("paths").GetProperty("/api/v1/live/sessions").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("description").GetString()!);
        Assert.EndsWith($": {string.Join(", ", EnumNames<Priority>.Names)}.", filter["priorities"]);
        Assert.EndsWith($": {string.Join(", ", EnumNames<LiveState>.Names)}.", filter["statuses"]);
    }

    [Fact]
    public async Task The_document_lists_every_answer_of_ingest_with_its_body()
    {
        var responses = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/events").GetProperty("post").GetProperty("responses");

        Assert.Equal(["202", "400", "401", "409", "413", "429", "503"], responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.EndsWith("/IngestResponse", responses.GetProperty("202").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.EndsWith("/HttpValidationProblemDetails", responses.GetProperty("400").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task The_control_stream_takes_the_api_key_as_access_token_as_the_document_says()
    {
        var tenant = await api.NewTenantAsync();
        var parameter = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/control").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "access_token");
        Assert.Equal("query", parameter.GetProperty("in").GetString());

        // What an EventSource does: the key in the query, no header.
        using (var stream = await api.Client.GetAsync($"/api/v1/control?access_token={Uri.EscapeDataString(tenant.IngestKey)}", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        }
        using var wrong = await api.Client.GetAsync("/api/v1/control?access_token=lo_not_a_key", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        // Only there: the other producer routes take the key in X-Api-Key alone.
        using var ack = await api.Client.PostAsync($"/api/v1/control/i1/ack?access_token={Uri.EscapeDataString(tenant.IngestKey)}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, ack.StatusCode);
    }

    /// <summary>Calls an operation as the caller it is meant for: producers with the API key, tenant creation as the platform administrator, the rest as the tenant's admin.</summary>
    private async Task<HttpResponseMessage> SendAsync(TestTenant tenant, string method, string path, string? query, string? body = null)
    {
        var url = path.Replace("{id}", "s1", StringComparison.Ordinal).Replace("{interventionId}", "i1", StringComparison.Ordinal) + (query is null ? "" : "?" + query);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (path is "/api/v1/events" || path.StartsWith("/api/v1/control", StringComparison.Ordinal)) request.Headers.Add("X-Api-Key", tenant.IngestKey);
        else if (path == "/api/v1/tenants") request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await api.LoginAsync("platform", "admin", LiveApi.PlatformPassword));
        else if (path != "/api/v1/auth/token") request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.AdminToken);
        if (method is "POST" or "PUT") request.Content = new StringContent(body ?? "{}", System.Text.Encoding.UTF8, "application/json");
        // The control stream never ends: its headers are enough.
        return await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}

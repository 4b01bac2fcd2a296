using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>docs/contract.md, "Saved views": each person's named filters, validated, private to their owner.</summary>
[Trait("Category", "http")]
public sealed class SavedViewTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly object Urgent = new { priorities = new[] { "high", "urgent" }, channels = new[] { "web" }, q = "refund" };

    [Fact]
    public async Task A_view_is_saved_listed_renamed_and_deleted_by_its_owner()
    {
        var tenant = await api.NewTenantAsync();
        var token = await tenant.UserTokenAsync("sup", "supervisor");

        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/views", token, new { name = "Urgent refunds", filter = Urgent });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = view.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/views/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(["high", "urgent"], view.GetProperty("filter").GetProperty("priorities").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("refund", view.GetProperty("filter").GetProperty("q").GetString());

        await api.SendAsync(HttpMethod.Post, "/api/v1/views", token, new { name = "Angry customers", filter = new { q = "angry" } });
        var listed = await api.GetJsonAsync("/api/v1/views", token);
        Assert.Equal(["Angry customers", "Urgent refunds"], listed.EnumerateArray().Select(v => v.GetProperty("name").GetString()));

        var renamed = await api.SendAsync(HttpMethod.Put, $"/api/v1/views/{id}", token, new { name = "Refunds (web)", filter = new { channels = new[] { "web" } } });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var stored = await api.GetJsonAsync($"/api/v1/views/{id}", token);
        Assert.Equal("Refunds (web)", stored.GetProperty("name").GetString());
        Assert.False(stored.GetProperty("filter").TryGetProperty("priorities", out var priorities) && priorities.ValueKind == JsonValueKind.Array);

        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/views/{id}", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, $"/api/v1/views/{id}", token)).StatusCode);
        Assert.Equal(["Angry customers"], (await api.GetJsonAsync("/api/v1/views", token)).EnumerateArray().Select(v => v.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Another_persons_view_is_not_found_in_the_same_tenant_or_another()
    {
        var tenant = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var owner = await tenant.UserTokenAsync("owner", "supervisor");
        var colleague = await tenant.UserTokenAsync("colleague", "supervisor");
        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/views", owner, new { name = "Mine", filter = new { } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        foreach (var stranger in new[] { colleague, tenant.AdminToken, other.AdminToken })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Get, $"/api/v1/views/{id}", stranger)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Put, $"/api/v1/views/{id}", stranger, new { name = "Taken over", filter = new { } })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Delete, $"/api/v1/views/{id}", stranger)).StatusCode);
            Assert.Empty((await api.GetJsonAsync("/api/v1/views", stranger)).EnumerateArray());
        }
        Assert.Equal("Mine", (await api.GetJsonAsync($"/api/v1/views/{id}", owner)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.SendAsync(HttpMethod.Get, "/api/v1/views", null)).StatusCode);
    }

    public static TheoryData<string, string> BadViews => new()
    {
        { """{"filter":{}}""", "name" },
        { """{"name":"   ","filter":{}}""", "name" },
        { """{"name":"x"}""", "filter" },
        { "{\"name\":\"" + new string('n', 81) + "\",\"filter\":{}}", "name" },
        { """{"name":"a\u0007b","filter":{}}""", "name" },
        { """{"name":"x","filter":{"channels":["Web Chat"]}}""", "filter.channels" },
        { """{"name":"x","filter":{"agents":["a b"]}}""", "filter.agents" },
        { "{\"name\":\"x\",\"filter\":{\"q\":\"" + new string('q', 201) + "\"}}", "filter.q" },
        { """{"name":"x","filter":{"minDurationSec":-1}}""", "filter.minDurationSec" },
        { """{"name":"x","filter":{"minDurationSec":600,"maxDurationSec":60}}""", "filter.minDurationSec" },
    };

    [Theory]
    [MemberData(nameof(BadViews))]
    public async Task A_bad_view_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var tenant = await api.NewTenantAsync();
        var response = await PostRawAsync(tenant.AdminToken, body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty((await api.GetJsonAsync("/api/v1/views", tenant.AdminToken)).EnumerateArray());
    }

    [Fact]
    public async Task Malformed_json_and_unknown_enum_values_are_refused_with_400()
    {
        var tenant = await api.NewTenantAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await PostRawAsync(tenant.AdminToken, """{"name":"x","filter":{"priorities":["bogus"]}}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostRawAsync(tenant.AdminToken, """{"name":"x","filter":""")).StatusCode);
        Assert.Empty((await api.GetJsonAsync("/api/v1/views", tenant.AdminToken)).EnumerateArray());
    }

    [Fact]
    public async Task Names_are_unique_per_person_and_a_person_keeps_at_most_a_hundred()
    {
        var tenant = await api.NewTenantAsync();
        var a = await tenant.UserTokenAsync("a", "viewer");
        var b = await tenant.UserTokenAsync("b", "viewer");
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(HttpMethod.Post, "/api/v1/views", a, new { name = "Wall", filter = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.SendAsync(HttpMethod.Post, "/api/v1/views", a, new { name = "Wall", filter = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(HttpMethod.Post, "/api/v1/views", b, new { name = "Wall", filter = new { } })).StatusCode);

        for (var i = 1; i < 100; i++)
            Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(HttpMethod.Post, "/api/v1/views", a, new { name = $"View {i}", filter = new { } })).StatusCode);
        var over = await api.SendAsync(HttpMethod.Post, "/api/v1/views", a, new { name = "One too many", filter = new { } });
        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        Assert.Contains("100", (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(100, (await api.GetJsonAsync("/api/v1/views", a)).GetArrayLength());
    }

    private async Task<HttpResponseMessage> PostRawAsync(string token, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/views") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", token);
        return await api.Client.SendAsync(request);
    }
}

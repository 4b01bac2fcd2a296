using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// Every list of a filter is bounded (100 values) and checked the same way at the three doors that take one: query
/// strings, saved views and the hub (tests/hubs/live-hub.test.js); unknown properties and a minimum duration above the
/// maximum are refused.
/// </summary>
[Trait("Category", "http")]
public sealed class FilterBoundsTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static string[] Ids(int n, string prefix = "x") => [.. Enumerable.Range(0, n).Select(i => $"{prefix}{i}")];

    [Theory]
    [InlineData("teams")]
    [InlineData("owners")]
    [InlineData("agents")]
    [InlineData("channels")]
    public async Task A_query_list_of_more_than_a_hundred_values_is_refused_naming_the_parameter(string list)
    {
        var tenant = await api.NewTenantAsync();
        foreach (var path in new[] { "/api/v1/live/sessions", "/api/v1/live/summary", "/api/v1/live/metrics" })
        {
            var response = await api.SendAsync(HttpMethod.Get, $"{path}?{list}={string.Join(',', Ids(101))}", tenant.AdminToken);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal([list], errors.EnumerateObject().Select(e => e.Name));
            Assert.Equal("At most 100 values; this one has 101.", errors.GetProperty(list)[0].GetString());
            Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, $"{path}?{list}={string.Join(',', Ids(100))}", tenant.AdminToken)).StatusCode);
        }
    }

    [Fact]
    public async Task A_query_with_a_minimum_duration_above_the_maximum_is_refused()
    {
        var tenant = await api.NewTenantAsync();
        var response = await api.SendAsync(HttpMethod.Get, "/api/v1/live/sessions?minDurationSec=600&maxDurationSec=60", tenant.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("Must not be more than maxDurationSec.", errors.GetProperty("minDurationSec")[0].GetString());
    }

    public static TheoryData<string, object, string> UnboundedViews => new()
    {
        { "200,000 priorities", new { priorities = Enumerable.Repeat("high", 200_000).ToArray() }, "filter.priorities" },
        { "110,000 statuses", new { statuses = Enumerable.Repeat("active", 110_000).ToArray() }, "filter.statuses" },
        { "101 teams", new { teams = Ids(101) }, "filter.teams" },
        { "101 owners", new { owners = Ids(101) }, "filter.owners" },
        { "101 agents", new { agents = Ids(101) }, "filter.agents" },
        { "101 channels", new { channels = Ids(101) }, "filter.channels" },
    };

    [Theory]
    [MemberData(nameof(UnboundedViews))]
    public async Task A_saved_view_with_a_list_of_more_than_a_hundred_values_is_refused_and_nothing_is_stored(string what, object filter, string field)
    {
        var tenant = await api.NewTenantAsync();

        var response = await api.SendAsync(HttpMethod.Post, "/api/v1/views", tenant.AdminToken, new { name = what, filter });
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.StartsWith("At most 100 values; this one has", errors.GetProperty(field)[0].GetString());
        // The refusal is short: the values are not echoed back.
        Assert.True(text.Length < 1_000, $"The problem has {text.Length} characters.");
        Assert.Empty((await tenant.GetAsync("/api/v1/views")).EnumerateArray());
    }

    [Fact]
    public async Task A_saved_view_may_replace_its_filter_only_within_the_same_bounds()
    {
        var tenant = await api.NewTenantAsync();
        var created = await api.SendAsync(HttpMethod.Post, "/api/v1/views", tenant.AdminToken, new { name = "Wide", filter = new { teams = Ids(100) } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var widened = await api.SendAsync(HttpMethod.Put, $"/api/v1/views/{id}", tenant.AdminToken, new { name = "Wider", filter = new { teams = Ids(101) } });

        Assert.Equal(HttpStatusCode.BadRequest, widened.StatusCode);
        Assert.True((await widened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("filter.teams", out _));
        var stored = await tenant.GetAsync($"/api/v1/views/{id}");
        Assert.Equal("Wide", stored.GetProperty("name").GetString());
        Assert.Equal(100, stored.GetProperty("filter").GetProperty("teams").GetArrayLength());
    }

    [Fact]
    public async Task A_saved_view_with_an_unknown_filter_property_is_refused_naming_it()
    {
        var tenant = await api.NewTenantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/views")
        {
            Content = new StringContent("""{"name":"x","filter":{"channels":["web"],"statusez":["active"]}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", tenant.AdminToken);

        var response = await api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("$.filter.statusez", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Empty((await tenant.GetAsync("/api/v1/views")).EnumerateArray());
    }
}

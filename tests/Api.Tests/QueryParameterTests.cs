using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// docs/api.md: a query parameter an endpoint does not take answers 400 naming it and saying what the endpoint takes,
/// never a silently unfiltered answer; the names are matched ignoring case, as they are bound; a list may be sent
/// comma-separated or as the parameter repeated.
/// </summary>
[Trait("Category", "http")]
public sealed class QueryParameterTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private const string SessionListTakes =
        "This endpoint takes: teams, owners, channels, agents, priorities, statuses, q, minDurationSec, maxDurationSec, limit, cursor.";

    private async Task<JsonElement> ProblemAsync(TestTenant tenant, string path)
    {
        var response = await api.SendAsync(HttpMethod.Get, path, tenant.AdminToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_misspelt_parameter_is_refused_naming_it_and_what_the_endpoint_takes()
    {
        var tenant = await api.NewTenantAsync();

        var problem = await ProblemAsync(tenant, "/api/v1/live/sessions?states=active");

        Assert.Equal($"Unknown query parameter: states. {SessionListTakes}", problem.GetProperty("detail").GetString());
        var errors = problem.GetProperty("errors");
        Assert.Equal(["states"], errors.EnumerateObject().Select(e => e.Name));
        Assert.Equal([$"Unknown query parameter. {SessionListTakes}"], errors.GetProperty("states").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Several_unknown_parameters_are_all_named_and_an_endpoint_without_any_says_so()
    {
        var tenant = await api.NewTenantAsync();

        var problem = await ProblemAsync(tenant, "/api/v1/interventions/verify?page=2&sort=asc");

        const string takes = "This endpoint takes no query parameters.";
        Assert.Equal($"Unknown query parameters: page, sort. {takes}", problem.GetProperty("detail").GetString());
        Assert.Equal(["page", "sort"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal($"Unknown query parameter. {takes}", problem.GetProperty("errors").GetProperty("sort")[0].GetString());
    }

    [Fact]
    public async Task Names_are_matched_ignoring_case_and_a_list_may_be_repeated_or_comma_separated()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(
            Ev.Started("a", T.AddMinutes(-3), channel: "web"),
            Ev.Started("b", T.AddMinutes(-2), channel: "whatsapp"),
            Ev.Started("c", T.AddMinutes(-1), channel: "phone"));

        async Task<string[]> Ids(string query) => [.. (await tenant.CardsAsync(query)).Select(c => c.GetProperty("sessionId").GetString()!).Order()];

        Assert.Equal(["a", "c"], await Ids("?channels=web,phone"));
        Assert.Equal(["a", "c"], await Ids("?channels=web&channels=phone"));
        Assert.Equal(["a", "b", "c"], await Ids("?channels=web,phone&channels=whatsapp"));
        Assert.Equal(["a", "c"], await Ids("?Channels=web,phone"));
        // A bad value of a repeated list is named like one of a comma-separated one.
        var problem = await ProblemAsync(tenant, "/api/v1/live/sessions?priorities=high&priorities=critical");
        Assert.Equal("\"critical\" is not one of low, normal, high, urgent.", problem.GetProperty("errors").GetProperty("priorities")[0].GetString());
    }
}

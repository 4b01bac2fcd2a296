using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LiveOrleans.Api.Tests;

/// <summary>Orleans' own dashboard at /orleans: it has no authentication, so the platform administrator's is in front of it.</summary>
[Trait("Category", "http")]
public sealed class OperatorTests(LiveApi api) : IClassFixture<LiveApi>
{
    private async Task<HttpResponseMessage> GetAsync(string path, string? user = null, string? password = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return await api.Client.SendAsync(request);
    }

    [Fact]
    public async Task The_Orleans_dashboard_opens_for_the_platform_administrator_only()
    {
        var anonymous = await GetAsync("/orleans/");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/orleans/", "platform/admin", "wrong-password")).StatusCode);
        var tenant = await api.NewTenantAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/orleans/", $"{tenant.Id}/boss", "boss-password")).StatusCode);

        var page = await GetAsync("/orleans/", "platform/admin", LiveApi.PlatformPassword);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        // Its data too, not only its page: a tenant's bearer token opens nothing there.
        var token = await api.LoginAsync(tenant.Id, "boss", "boss-password");
        using var data = new HttpRequestMessage(HttpMethod.Get, "/orleans/DashboardCounters");
        data.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client.SendAsync(data)).StatusCode);
        var counters = await GetAsync("/orleans/DashboardCounters", "platform/admin", LiveApi.PlatformPassword);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.Contains("totalActivationCount", await counters.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>An engine started with <c>Orleans:Dashboard=false</c>.</summary>
public sealed class NoOrleansDashboardApi : LiveApi
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Orleans:Dashboard", "false")];
}

/// <summary><c>Orleans:Dashboard=false</c>: no Orleans dashboard (nor its grain-call profiler), the rest as before.</summary>
[Trait("Category", "http")]
public sealed class NoOrleansDashboardTests(NoOrleansDashboardApi api) : IClassFixture<NoOrleansDashboardApi>
{
    [Fact]
    public async Task Turned_off_the_Orleans_dashboard_is_not_found_even_for_the_platform_administrator()
    {
        foreach (var path in new[] { "/orleans/", "/orleans/DashboardCounters" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"platform/admin:{LiveApi.PlatformPassword}")));
            Assert.Equal(HttpStatusCode.NotFound, (await api.Client.SendAsync(request)).StatusCode);
        }
        var tenant = await api.NewTenantAsync();
        Assert.NotEmpty(await api.LoginAsync(tenant.Id, "boss", "boss-password"));
    }
}

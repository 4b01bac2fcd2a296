using System.Net;

namespace LiveOrleans.Api.Tests;

/// <summary>The web dashboard is served by the Api itself at /, beside the API it speaks to.</summary>
[Trait("Category", "http")]
public sealed class DashboardServingTests(LiveApi api) : IClassFixture<LiveApi>
{
    [Fact]
    public async Task The_root_serves_the_dashboard_and_its_assets_with_the_right_caching()
    {
        var page = await api.Client.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<div id=\"app\"></div>", html);
        Assert.Equal("no-cache", page.Headers.CacheControl!.ToString());

        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        var asset = await api.Client.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Contains("immutable", asset.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Unknown_api_paths_still_answer_problem_details_not_the_page()
    {
        var response = await api.Client.GetAsync("/api/v1/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}

using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>The Api with room for one batch at a time (<c>Ingest:MaxEventsInFlight</c> = 1).</summary>
public sealed class OneBatchApi : LiveApi
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Ingest:MaxEventsInFlight", "1")];
}

/// <summary>Overload is shed at the door: 429 with Retry-After and a problem type, nothing of the refused batch stored.</summary>
[Trait("Category", "http")]
public sealed class OverloadTests(OneBatchApi api) : IClassFixture<OneBatchApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task Batches_beyond_the_events_in_flight_are_refused_whole_with_429_and_the_taken_ones_are_stored()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        // Fifty batches at once, ten sessions each: with room for one batch, most wait their turn in vain.
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(b =>
            tenant.PostEventsAsync([.. Enumerable.Range(0, 10).SelectMany(s => new object[] { Ev.Started($"b{b}-s{s}", T), Ev.Received($"b{b}-s{s}", T) })])));

        var refused = responses.Select((r, b) => (Response: r, Batch: b)).Where(x => x.Response.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        var taken = responses.Select((r, b) => (Response: r, Batch: b)).Where(x => x.Response.StatusCode == HttpStatusCode.Accepted).ToArray();
        Assert.Equal(50, refused.Length + taken.Length);
        Assert.NotEmpty(refused);
        Assert.NotEmpty(taken);
        foreach (var (response, _) in refused)
        {
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without Retry-After");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
            Assert.Contains("at capacity", problem.GetProperty("detail").GetString());
        }
        var listed = (await tenant.CardsAsync("?limit=500")).Select(c => c.GetProperty("sessionId").GetString()!).ToHashSet();
        Assert.Equal(taken.Length * 10, listed.Count);
        Assert.All(taken, x => Assert.Contains($"b{x.Batch}-s9", listed));
        Assert.All(refused, x => Assert.DoesNotContain(listed, id => id.StartsWith($"b{x.Batch}-", StringComparison.Ordinal)));

        // Sent again when the engine has room, a refused batch is taken whole.
        var again = refused[0].Batch;
        await tenant.IngestAsync([.. Enumerable.Range(0, 10).SelectMany(s => new object[] { Ev.Started($"b{again}-s{s}", T), Ev.Received($"b{again}-s{s}", T) })]);
        Assert.Equal(taken.Length * 10 + 10, (await tenant.CardsAsync("?limit=500")).Length);
    }
}

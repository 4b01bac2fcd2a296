using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// A session detail carries the newest page of its interventions, not all of them: a session with 300 interventions
/// answers 20 by default, and <c>olderInterventionsCursor</c> walks back through the rest, each once, in order.
/// </summary>
[Trait("Category", "http")]
public sealed class InterventionPagingTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    [Fact]
    public async Task A_detail_answers_the_newest_interventions_and_a_cursor_walks_back_through_the_older_ones()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2)), Ev.Received("s", T.AddMinutes(-2)));
        var content = new string('c', 8_000);
        var made = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var response = await api.SendAsync(HttpMethod.Post, "/api/v1/sessions/s/interventions", tenant.AdminToken,
                new { type = "system_message", reason = $"Note {i}", content });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            made.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("interventionId").GetString()!);
        }

        var first = await api.Client.SendAsync(Get("/api/v1/sessions/s?limit=1", tenant.AdminToken));
        var bytes = (await first.Content.ReadAsByteArrayAsync()).Length;
        var detail = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;

        // The newest 20, oldest first within the page, as the list has always been ordered.
        Assert.Equal(made[^20..], Ids(detail));
        Assert.Equal(300, detail.GetProperty("totalInterventions").GetInt32());
        Assert.Equal("280", detail.GetProperty("olderInterventionsCursor").GetString());
        // 20 entries of ~8 KB, not 300 (~2.5 MB).
        Assert.True(bytes < 250_000, $"The detail has {bytes} bytes.");
        // The transcript page is as it was: its own limit and cursor.
        Assert.Equal(1, detail.GetProperty("messages").GetArrayLength());
        Assert.Equal("1", detail.GetProperty("nextCursor").GetString());

        // Walking back with the cursor, 100 at a time, gives every intervention once, in order.
        var seen = new List<string>(Ids(detail));
        var cursor = detail.GetProperty("olderInterventionsCursor").GetString();
        var pages = 0;
        while (cursor is not null)
        {
            var page = await tenant.GetAsync($"/api/v1/sessions/s?limit=1&interventionsLimit=100&interventionsBefore={cursor}");
            seen.InsertRange(0, Ids(page));
            cursor = page.GetProperty("olderInterventionsCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("olderInterventionsCursor").GetString();
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(made, seen);

        // The audit log of the session still lists all of them.
        Assert.Equal(300, (await tenant.GetAsync("/api/v1/interventions?sessionId=s")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_session_with_few_interventions_answers_them_all_without_a_cursor()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("q", T.AddMinutes(-1)), Ev.Received("q", T.AddMinutes(-1)));
        await api.SendAsync(HttpMethod.Post, "/api/v1/sessions/q/interventions", tenant.AdminToken, new { type = "pause", reason = "Checking" });
        await api.SendAsync(HttpMethod.Post, "/api/v1/sessions/q/interventions", tenant.AdminToken, new { type = "resume", reason = "Checked" });

        var detail = await tenant.CardAsync("q");

        Assert.Equal(["pause", "resume"], detail.GetProperty("interventions").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(2, detail.GetProperty("totalInterventions").GetInt32());
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("olderInterventionsCursor").ValueKind);
    }

    [Theory]
    [InlineData("interventionsLimit=0", "interventionsLimit")]
    [InlineData("interventionsLimit=101", "interventionsLimit")]
    [InlineData("interventionsLimit=ten", "interventionsLimit")]
    [InlineData("interventionsBefore=-1", "interventionsBefore")]
    [InlineData("interventionsBefore=abc", "interventionsBefore")]
    public async Task Bad_intervention_paging_parameters_are_refused_naming_them(string query, string field)
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("b", T.AddMinutes(-1)));

        var response = await api.SendAsync(HttpMethod.Get, $"/api/v1/sessions/b?{query}", tenant.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    private static IEnumerable<string> Ids(JsonElement detail)
        => detail.GetProperty("interventions").EnumerateArray().Select(i => i.GetProperty("interventionId").GetString()!);

    private static HttpRequestMessage Get(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }
}

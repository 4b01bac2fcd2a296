using System.Net;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// docs/contract.md, Live queries: a session detail is the card's fields at the top level, then <c>streamState</c>,
/// the transcript page and the newest page of interventions; the fields with no value are there as null, not left out.
/// </summary>
[Trait("Category", "http")]
public sealed class SessionDetailShapeTests(LiveApi api) : IClassFixture<LiveApi>
{
    private static readonly DateTimeOffset T = LiveApi.Start;

    private static readonly string[] DetailFields =
        ["streamState", "messages", "totalMessages", "nextCursor", "interventions", "totalInterventions", "olderInterventionsCursor"];

    [Fact]
    public async Task A_detail_is_the_cards_fields_in_order_then_the_transcript_and_intervention_pages()
    {
        api.Clock.AdjustTime(T);
        var tenant = await api.NewTenantAsync();
        await tenant.IngestAsync(Ev.Started("s", T.AddMinutes(-2), agent: "bot"), Ev.Received("s", T.AddMinutes(-2), "Where is my refund?"));
        var made = await api.SendAsync(HttpMethod.Post, "/api/v1/sessions/s/interventions", tenant.AdminToken, new { type = "pause", reason = "Checking" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);

        var card = Assert.Single(await tenant.CardsAsync());
        var detail = await tenant.CardAsync("s");
        var names = detail.EnumerateObject().Select(p => p.Name).ToArray();

        Assert.Equal([.. card.EnumerateObject().Select(p => p.Name), .. DetailFields], names);
        Assert.Equal(card.GetProperty("sessionId").GetString(), detail.GetProperty("sessionId").GetString());
        Assert.Equal(card.GetProperty("user").GetRawText(), detail.GetProperty("user").GetRawText());
        // Nothing ended, no older page, one page of messages: null, present.
        foreach (var field in new[] { "endedAt", "endReason", "heldBy", "nextCursor", "olderInterventionsCursor" })
            Assert.Equal(JsonValueKind.Null, detail.GetProperty(field).ValueKind);
        Assert.Equal(detail.GetProperty("messages").GetArrayLength(), detail.GetProperty("totalMessages").GetInt32());
        var entry = Assert.Single(detail.GetProperty("interventions").EnumerateArray());
        var listed = Assert.Single((await tenant.GetAsync("/api/v1/interventions?sessionId=s")).GetProperty("items").EnumerateArray());
        Assert.Equal(listed.GetRawText(), entry.GetRawText());
        Assert.Equal(1, detail.GetProperty("totalInterventions").GetInt32());
    }
}

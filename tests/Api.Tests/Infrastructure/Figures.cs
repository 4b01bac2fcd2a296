using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>Every figure of a tenant read through the HTTP API, as one JSON text, so two engines (or one before and after) compare at once.</summary>
public static class Figures
{
    /// <summary>Every figure of the tenant, through the HTTP API, without the reading times.</summary>
    public static async Task<string> ReadAsync(HttpClient reader, bool activity = true)
    {
        var figures = new JsonObject();
        foreach (var query in new[] { "", "?channels=web,whatsapp", "?teams=sales", "?owners=alice,bob" })
        {
            var summary = (await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/summary" + query))!;
            summary.Remove("asOf");
            figures["summary" + query] = summary;
            figures["hourly" + query] = await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/hourly" + query);
            figures["agents" + query] = await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/agents" + query);
            figures["metrics" + query] = await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/metrics" + query);
        }
        var sessions = new JsonArray();
        string? cursor = null;
        do
        {
            var page = (await reader.GetFromJsonAsync<JsonObject>("/api/v1/live/sessions?limit=500" + (cursor is null ? "" : "&cursor=" + cursor)))!;
            foreach (var card in page["items"]!.AsArray()) sessions.Add(card!.DeepClone());
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        figures["sessions"] = sessions;
        foreach (var card in sessions.Take(25))
        {
            var id = card!["sessionId"]!.GetValue<string>();
            figures["session " + id] = await reader.GetFromJsonAsync<JsonObject>($"/api/v1/sessions/{id}?limit=500");
        }
        if (activity) figures["activity"] = await reader.GetFromJsonAsync<JsonObject>("/api/v1/activity?limit=500");
        figures["interventions"] = await reader.GetFromJsonAsync<JsonObject>("/api/v1/interventions");
        return figures.ToJsonString();
    }
}

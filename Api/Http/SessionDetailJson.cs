using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiveOrleans.Api.Http;

/// <summary>The contract's shape of a session detail: the card's fields at the top level, then the transcript page and the interventions page.</summary>
public static class SessionDetailJson
{
    public static JsonObject From(SessionDetail detail)
    {
        var json = JsonSerializer.SerializeToNode(detail.Card, LiveJson.Options)!.AsObject();
        json["streamState"] = JsonSerializer.SerializeToNode(detail.StreamState, LiveJson.Options);
        json["messages"] = JsonSerializer.SerializeToNode(detail.Messages, LiveJson.Options);
        json["totalMessages"] = detail.TotalMessages;
        json["nextCursor"] = detail.NextCursor;
        json["interventions"] = JsonSerializer.SerializeToNode(detail.Interventions, LiveJson.Options);
        json["totalInterventions"] = detail.TotalInterventions;
        json["olderInterventionsCursor"] = detail.OlderInterventionsCursor;
        return json;
    }
}

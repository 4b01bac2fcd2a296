using System.Text.Json;
using System.Text.Json.Nodes;
using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Http;

/// <summary>
/// The contract's shape of a session detail: the card's fields at the top level, then the transcript page and the
/// interventions page, each intervention with the name of the person who made it.
/// </summary>
public static class SessionDetailJson
{
    public static JsonObject From(SessionDetail detail, PersonNames names)
    {
        var json = JsonSerializer.SerializeToNode(detail.Card, LiveJson.Options)!.AsObject();
        json["streamState"] = JsonSerializer.SerializeToNode(detail.StreamState, LiveJson.Options);
        json["messages"] = JsonSerializer.SerializeToNode(detail.Messages, LiveJson.Options);
        json["totalMessages"] = detail.TotalMessages;
        json["nextCursor"] = detail.NextCursor;
        json["interventions"] = JsonSerializer.SerializeToNode(InterventionEntry.From(detail.Interventions, names), LiveJson.Options);
        json["totalInterventions"] = detail.TotalInterventions;
        json["olderInterventionsCursor"] = detail.OlderInterventionsCursor;
        return json;
    }
}

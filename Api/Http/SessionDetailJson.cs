using System.Text.Json;
using System.Text.Json.Nodes;
using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Http;

/// <summary>
/// A session detail as a JSON object, for the hub's <c>WatchSession</c>, which adds <c>watchers</c> to it; the shape
/// is <see cref="SessionDetailResponse"/>'s, so the hub answers what the HTTP route does.
/// </summary>
public static class SessionDetailJson
{
    public static JsonObject From(SessionDetail detail, PersonNames names)
        => JsonSerializer.SerializeToNode(SessionDetailResponse.From(detail, names), LiveJson.Options)!.AsObject();
}

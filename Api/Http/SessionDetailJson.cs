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
    public static async Task<JsonObject> FromAsync(SessionDetail detail, PersonNames names)
        => JsonSerializer.SerializeToNode(await SessionDetailResponse.FromAsync(detail, names), LiveJson.Options)!.AsObject();
}

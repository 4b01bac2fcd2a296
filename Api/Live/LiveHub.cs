using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using Microsoft.AspNetCore.Authorization;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

public sealed record PingReply(double ClientTime, DateTimeOffset ServerTime);

/// <summary>
/// <c>/hubs/live</c>: dashboards subscribe with a filter and receive pushes (see docs/hubs.md). Role <c>agent</c>
/// sees only the conversations it owns, exactly as in the HTTP queries.
/// </summary>
[Authorize(Policy = LiveClaims.ReadPolicy)]
public sealed class LiveHub(LiveFanout fanout, HubAccessWatch access, PersonNames names, [FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time) : Hub<ILiveClient>
{
    public override Task OnConnectedAsync()
    {
        fanout.Connected(Context, Context.User!.TenantId(), Context.User!.UserId(), Context.User!.Identity?.Name ?? Context.User!.UserId(),
            Context.User!.Visible(LiveFilter.All));
        access.WatchPerson(Context);
        return base.OnConnectedAsync();
    }

    /// <summary>
    /// Replaces this connection's subscription; answers the snapshot. The argument is a filter (every change its own
    /// push), or <c>{"push": "ticks", "window": N, "filter": {…}}</c> for one <c>tick</c> per push tick with what changed
    /// on a screen of N cards (docs/hubs.md). It arrives as raw JSON so that a wrong one is answered with what is wrong
    /// with it, not SignalR's "an error on the server".
    /// </summary>
    [HubMethodName(LiveHubMethods.Subscribe)]
    public Task<DashboardSnapshot> Subscribe(System.Text.Json.JsonElement filterJson)
    {
        int? window = null;
        if (filterJson.ValueKind == System.Text.Json.JsonValueKind.Object && filterJson.TryGetProperty("push", out _))
        {
            (window, filterJson) = ReadTicks(filterJson);
        }
        var errors = new ValidationErrors();
        var filter = ReadFilter(filterJson);
        FilterBinding.Validate(filter, "filter", errors);
        if (!errors.IsEmpty)
            throw new HubException("Invalid filter: " + string.Join(" ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return fanout.SubscribeAsync(Context.ConnectionId, Context.User!.Visible(filter), window);
    }

    /// <summary>Reads <c>{"push": "ticks", "window": N, "filter": {…}}</c>: the window (1 to 500, 100 by default) and the filter.</summary>
    private static (int Window, System.Text.Json.JsonElement Filter) ReadTicks(System.Text.Json.JsonElement json)
    {
        var window = PushOptions.DefaultWindow;
        var filter = default(System.Text.Json.JsonElement);
        foreach (var property in json.EnumerateObject())
        {
            switch (property.Name)
            {
                case "push":
                    if (property.Value.ValueKind != System.Text.Json.JsonValueKind.String || property.Value.GetString() != "ticks")
                        throw new HubException("Invalid subscription: push must be \"ticks\" (or leave push out and pass the filter itself).");
                    break;
                case "window":
                    if (property.Value.ValueKind != System.Text.Json.JsonValueKind.Number || !property.Value.TryGetInt32(out window) || window < 1 || window > PushOptions.MaxWindow)
                        throw new HubException($"Invalid subscription: window must be a whole number of cards from 1 to {PushOptions.MaxWindow}.");
                    break;
                case "filter":
                    filter = property.Value;
                    break;
                default:
                    throw new HubException($"Invalid subscription: {Shorten(property.Name)} is not a subscription property; it takes push, window and filter.");
            }
        }
        return (window, filter);
    }

    /// <summary>
    /// Starts the message, token and state pushes of one session and makes the caller one of its watchers; answers its
    /// detail (as GET /api/v1/sessions/{id}) with <c>watchers</c>, the people watching it now.
    /// </summary>
    [HubMethodName(LiveHubMethods.WatchSession)]
    public async Task<object> WatchSession(System.Text.Json.JsonElement sessionIdJson)
    {
        if (sessionIdJson.ValueKind != System.Text.Json.JsonValueKind.String || !EventValidator.TryText(sessionIdJson, out var sessionId))
            throw new HubException("WatchSession takes a session id (a string).");
        if (!Limits.IsId(sessionId)) throw new HubException($"Session '{sessionId}' was not found.");
        var watched = await fanout.WatchAsync(Context.ConnectionId, sessionId, Context.User!.Visible(LiveFilter.All));
        if (watched is not { } w) throw new HubException($"Session '{sessionId}' was not found.");
        var json = await SessionDetailJson.FromAsync(w.Detail, names);
        json["watchers"] = System.Text.Json.JsonSerializer.SerializeToNode(w.Watchers, LiveOrleans.LiveJson.Options);
        return json;
    }

    [HubMethodName(LiveHubMethods.UnwatchSession)]
    public Task UnwatchSession(System.Text.Json.JsonElement sessionIdJson)
        => sessionIdJson.ValueKind == System.Text.Json.JsonValueKind.String && EventValidator.TryText(sessionIdJson, out var sessionId)
            ? fanout.UnwatchAsync(Context.ConnectionId, sessionId)
            : throw new HubException("UnwatchSession takes a session id (a string).");

    /// <summary>For the latency display: echoes the client's time with the server's.</summary>
    [HubMethodName(LiveHubMethods.Ping)]
    public PingReply Ping(System.Text.Json.JsonElement clientTime)
        => clientTime.ValueKind == System.Text.Json.JsonValueKind.Number && clientTime.TryGetDouble(out var sent)
            ? new(sent, time.GetUtcNow())
            : throw new HubException("Ping takes the client's time as a number (for example performance.now()).");

    private static LiveFilter ReadFilter(System.Text.Json.JsonElement json)
    {
        if (json.ValueKind is System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined) return LiveFilter.All;
        if (json.ValueKind != System.Text.Json.JsonValueKind.Object)
            throw new HubException("Invalid filter: it must be an object such as {\"channels\":[\"web\"]} ({} for everything).");
        if (FilterBinding.UnknownProperty(json) is { } unknown)
            throw new HubException($"Invalid filter: filter.{Shorten(unknown)} is not a filter property; the filter takes {string.Join(", ", FilterBinding.PropertyNames)}.");
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<LiveFilter>(json, LiveOrleans.LiveJson.Options) ?? LiveFilter.All;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            var path = ex is System.Text.Json.JsonException { Path: { Length: > 1 } p } ? p.TrimStart('$', '.') : null;
            var known = path switch
            {
                _ when path?.StartsWith("priorities", StringComparison.Ordinal) == true => $" (one of {string.Join(", ", EnumNames<Priority>.Names)})",
                _ when path?.StartsWith("statuses", StringComparison.Ordinal) == true => $" (one of {string.Join(", ", EnumNames<LiveState>.Names)})",
                _ => "",
            };
            throw new HubException(path is null ? "Invalid filter: it could not be read." : $"Invalid filter: filter.{path} has a value of the wrong kind{known}.");
        }
    }

    private static string Shorten(string name) => name.Length <= 40 ? name : name[..40] + "…";

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        access.Forget(Context.ConnectionId);
        await fanout.DisconnectedAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }
}

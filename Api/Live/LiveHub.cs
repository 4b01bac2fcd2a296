using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

public sealed record PingReply(double ClientTime, DateTimeOffset ServerTime);

/// <summary>
/// <c>/hubs/live</c>: dashboards subscribe with a filter and receive pushes (see docs/hubs.md). Role <c>agent</c>
/// sees only the conversations it owns, exactly as in the HTTP queries.
/// </summary>
[Authorize(Policy = LiveClaims.ReadPolicy)]
public sealed class LiveHub(LiveFanout fanout, [FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time) : Hub
{
    public override Task OnConnectedAsync()
    {
        fanout.Connected(Context, Context.User!.TenantId());
        return base.OnConnectedAsync();
    }

    /// <summary>Replaces this connection's subscription; answers the snapshot.</summary>
    public Task<DashboardSnapshot> Subscribe(LiveFilter? filter)
    {
        var errors = new ValidationErrors();
        filter ??= LiveFilter.All;
        FilterBinding.Validate(filter, "filter", errors);
        if (!errors.IsEmpty)
            throw new HubException("Invalid filter: " + string.Join(" ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return fanout.SubscribeAsync(Context.ConnectionId, Context.User!.Visible(filter));
    }

    /// <summary>Starts the message, token and state pushes of one session; answers its detail (as GET /api/v1/sessions/{id}).</summary>
    public async Task<object> WatchSession(string sessionId)
    {
        if (!Limits.IsId(sessionId)) throw new HubException($"Session '{sessionId}' was not found.");
        var detail = await fanout.WatchAsync(Context.ConnectionId, sessionId, Context.User!.Visible(LiveFilter.All));
        return detail is null ? throw new HubException($"Session '{sessionId}' was not found.") : SessionDetailJson.From(detail);
    }

    public Task UnwatchSession(string sessionId) => fanout.UnwatchAsync(Context.ConnectionId, sessionId);

    /// <summary>For the latency display: echoes the client's time with the server's.</summary>
    public PingReply Ping(double clientTime) => new(clientTime, time.GetUtcNow());

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await fanout.DisconnectedAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }
}

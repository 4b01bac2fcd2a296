using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>What <c>Subscribe</c> answers: the whole picture for the filter, then pushes keep it current.</summary>
public sealed record DashboardSnapshot(
    SummaryView Summary,
    HourlyView Hourly,
    AgentsView Agents,
    MetricsView Metrics,
    SessionList Sessions,
    IReadOnlyList<ActivityEntry> Activity);

public sealed record SessionList(int Total, IReadOnlyList<SessionCard> Items);

public sealed record PingReply(double ClientTime, DateTimeOffset ServerTime);

/// <summary>
/// <c>/hubs/live</c>: dashboards subscribe with a filter and receive pushes (see docs/hubs.md). Role <c>agent</c>
/// sees only the conversations it owns, exactly as in the HTTP queries.
/// </summary>
[Authorize(Policy = LiveClaims.ReadPolicy)]
public sealed class LiveHub(LivePush push, TimeProvider time) : Hub
{
    /// <summary>Replaces this connection's subscription; answers the snapshot.</summary>
    public Task<DashboardSnapshot> Subscribe(LiveFilter? filter)
    {
        var errors = new ValidationErrors();
        filter ??= LiveFilter.All;
        FilterBinding.Validate(filter, "filter", errors);
        if (!errors.IsEmpty)
            throw new HubException("Invalid filter: " + string.Join(" ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return push.SubscribeAsync(Context.ConnectionId, Context.User!.TenantId(), Context.User!.Visible(filter));
    }

    /// <summary>Starts the message, token and state pushes of one session; answers its detail (as GET /api/v1/sessions/{id}).</summary>
    public async Task<object> WatchSession(string sessionId)
    {
        if (!Limits.IsId(sessionId)) throw new HubException($"Session '{sessionId}' was not found.");
        var detail = await push.WatchAsync(Context.ConnectionId, Context.User!.TenantId(), sessionId, Context.User!.Visible(LiveFilter.All));
        return detail ?? throw new HubException($"Session '{sessionId}' was not found.");
    }

    public Task UnwatchSession(string sessionId) => push.UnwatchAsync(Context.ConnectionId, Context.User!.TenantId(), sessionId);

    /// <summary>For the latency display: echoes the client's time with the server's.</summary>
    public PingReply Ping(double clientTime) => new(clientTime, time.GetUtcNow());

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        push.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

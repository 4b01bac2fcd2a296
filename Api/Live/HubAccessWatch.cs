using System.Collections.Concurrent;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Identity;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Hub connections outlive the request that authenticated them, so their access is checked again every
/// <see cref="Interval"/>: a <c>/hubs/live</c> connection closes when its token expires, when its person is removed,
/// or when their role, agent id or platform flag changed (a reconnect then gets the new rights); a
/// <c>/hubs/runtime</c> connection closes when its API key is revoked. What a person or key is comes from
/// <see cref="AccessCache"/>, so a change made on another node applies within its window plus this interval.
/// </summary>
public sealed partial class HubAccessWatch(
    AccessCache access,
    LiveHubLifetimeManager liveConnections,
    [FromKeyedServices(LiveTime.Key)] TimeProvider time,
    ILogger<HubAccessWatch> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Watched> _connections = new(StringComparer.Ordinal);

    /// <summary>Watches a dashboard's connection: its token's expiry and what its person may do.</summary>
    public void WatchPerson(HubCallerContext context)
    {
        var user = context.User!;
        var expires = long.TryParse(user.FindFirstValue(LiveClaims.Expires), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MaxValue;
        _connections[context.ConnectionId] = new Person(context, user.UserId(), user.TenantId(), user.FindFirstValue(ClaimTypes.Role),
            user.AgentId(), user.HasClaim(LiveClaims.PlatformAdmin, "true"), expires);
    }

    /// <summary>Watches a producer's connection: its API key.</summary>
    public void WatchProducer(HubCallerContext context)
    {
        if (context.User?.FindFirstValue(LiveClaims.KeyHash) is { } hash) _connections[context.ConnectionId] = new Producer(context, hash);
    }

    public void Forget(string connectionId) => _connections.TryRemove(connectionId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await SweepAsync();
        }
        catch (OperationCanceledException) { }
    }

    private async Task SweepAsync()
    {
        var now = time.GetUtcNow();
        foreach (var (id, watched) in _connections)
        {
            (string Reason, bool Reconnect)? ended;
            try
            {
                ended = watched switch
                {
                    Person p => await EndedAsync(p, now),
                    Producer k => await access.KeyAsync(k.KeyHash) is null ? ("Connection closed: the API key was revoked.", false) : null,
                    _ => null,
                };
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // The store did not answer: connections stay as they are until it does (checked again next interval).
                Log.CheckFailed(logger, ex.Message);
                return;
            }
            if (ended is not { } end || !_connections.TryRemove(new KeyValuePair<string, Watched>(id, watched))) continue;
            Log.Closed(logger, id, end.Reason);
            await CloseAsync(watched.Context, end.Reason, end.Reconnect);
        }
    }

    private async ValueTask<(string, bool)?> EndedAsync(Person person, DateTimeOffset now)
    {
        if (person.Expires <= now) return ("Connection closed: the access token expired; sign in again.", false);
        var user = await access.UserAsync(person.UserId);
        if (user is null || user.Tenant != person.Tenant) return ("Connection closed: the person was removed.", false);
        if (EnumNames<Role>.Name(user.Role) != person.Role || user.AgentId != person.AgentId || user.PlatformAdmin != person.PlatformAdmin)
            return ("Connection closed: the person's role or agent changed; connect again.", true);
        return null;
    }

    /// <summary>Tells a dashboard why (SignalR's close message), then closes; a producer's connection is closed.</summary>
    private async Task CloseAsync(HubCallerContext context, string reason, bool reconnect)
    {
        if (liveConnections.Find(context.ConnectionId) is { } connection)
        {
            try
            {
                await connection.WriteAsync(new CloseMessage(reason, reconnect));
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
            {
                // It went already.
            }
        }
        context.Abort();
    }

    private abstract record Watched(HubCallerContext Context);

    private sealed record Person(HubCallerContext Context, string UserId, string Tenant, string? Role, string? AgentId, bool PlatformAdmin, DateTimeOffset Expires)
        : Watched(Context);

    private sealed record Producer(HubCallerContext Context, string KeyHash) : Watched(Context);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Hub connection {ConnectionId} closed by its access: {Reason}")]
        public static partial void Closed(ILogger logger, string connectionId, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Hub connections' access could not be checked: {Problem}")]
        public static partial void CheckFailed(ILogger logger, string problem);
    }
}

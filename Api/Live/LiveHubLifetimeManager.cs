using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>
/// SignalR's own lifetime manager for <c>/hubs/live</c>, which also keeps each connection's
/// <see cref="HubConnectionContext"/>, so a push serialised once (<see cref="SerializedHubMessage"/>) can be written
/// to every member of a subscription group as the same bytes. Sending through <c>Clients.Client(id)</c> would
/// serialise the whole message again for each connection.
/// </summary>
public sealed class LiveHubLifetimeManager(ILogger<DefaultHubLifetimeManager<LiveHub>> logger) : DefaultHubLifetimeManager<LiveHub>(logger)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _connections.TryRemove(connection.ConnectionId, out _);
        return base.OnDisconnectedAsync(connection);
    }

    public HubConnectionContext? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);
}

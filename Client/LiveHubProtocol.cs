using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LiveOrleans.Client;

/// <summary>
/// The hub protocol of a connection (docs/hubs.md, Protocols): both carry the same documents. JSON is the default:
/// it works over every transport and proxy and costs this client the least CPU (MessagePack is read here through the
/// same JSON document, one step more). MessagePack sends fewer bytes, for many connections or a thin link.
/// </summary>
public enum LiveHubProtocol
{
    /// <summary>SignalR's JSON protocol.</summary>
    Json,

    /// <summary>SignalR's MessagePack protocol (WebSockets or long polling; not Server-Sent Events).</summary>
    MessagePack,
}

internal static class LiveHubProtocols
{
    /// <summary>Adds the protocol, its documents made and read with <paramref name="json"/> applied to SignalR's JSON options.</summary>
    public static IHubConnectionBuilder With(this IHubConnectionBuilder builder, LiveHubProtocol protocol, Action<System.Text.Json.JsonSerializerOptions> json)
    {
        if (protocol == LiveHubProtocol.MessagePack)
        {
            var options = new JsonHubProtocolOptions().PayloadSerializerOptions;
            json(options);
            return builder.AddMessagePackProtocol(o => o.SerializerOptions = LiveMessagePack.Options(options));
        }
        return builder.AddJsonProtocol(o => json(o.PayloadSerializerOptions));
    }
}

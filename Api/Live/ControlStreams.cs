using System.Threading.Channels;
using LiveOrleans.Live;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Control commands for the producers connected to this host (over <c>/hubs/runtime</c> or Server-Sent Events):
/// while a tenant has one, this host listens to the tenant's stream and forwards each new command to them. What
/// was issued before a producer connected comes from the outbox, which a producer reads after it starts listening.
/// </summary>
/// <remarks>
/// A memory stream may hand a new subscription the last item its queue held before it subscribed. Commands are
/// numbered per tenant, so a listener forwards only those newer than the newest one issued when it subscribed:
/// older ones are the outbox's to send (or were acknowledged and must never be sent again).
/// </remarks>
public sealed class ControlStreams(StreamSubscriptions streams, IControlOutbox outbox)
{
    public const int Capacity = 1_000;

    /// <summary>Hands each new command of the tenant to <paramref name="deliver"/> until the handle is disposed.</summary>
    public async Task<IAsyncDisposable> JoinAsync(string tenant, Action<ControlCommand> deliver)
    {
        var floor = await outbox.LastSequenceAsync(tenant);
        return await streams.ListenAsync(tenant, item =>
        {
            if (item is ControlIssued issued && issued.Command.Sequence > floor) deliver(issued.Command);
        });
    }

    /// <summary>Opens a reader of the tenant's new commands (for Server-Sent Events); dispose the handle to close it.</summary>
    public async Task<(ChannelReader<ControlCommand> Reader, IAsyncDisposable Handle)> OpenAsync(string tenant)
    {
        // Bounded: a stalled reader loses live commands beyond the bound, and gets them again from the outbox when it reconnects.
        var channel = Channel.CreateBounded<ControlCommand>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite });
        var listening = await JoinAsync(tenant, command => channel.Writer.TryWrite(command));
        return (channel.Reader, listening);
    }
}

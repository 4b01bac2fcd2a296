using System.Collections.Concurrent;
using System.Threading.Channels;

namespace LiveOrleans.Api.Live;

/// <summary>Open Server-Sent-Events control streams, per tenant; each gets every new control command.</summary>
public sealed class ControlStreams
{
    public const int Capacity = 1_000;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Channel<ControlCommand>>> _streams = new(StringComparer.Ordinal);

    public (Guid Id, ChannelReader<ControlCommand> Reader) Open(string tenant)
    {
        // Bounded: a stalled reader loses live commands beyond the bound, and gets them again from the outbox when it reconnects.
        var channel = Channel.CreateBounded<ControlCommand>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite });
        var id = Guid.NewGuid();
        _streams.GetOrAdd(tenant, _ => new())[id] = channel;
        return (id, channel.Reader);
    }

    public void Close(string tenant, Guid id)
    {
        if (_streams.TryGetValue(tenant, out var streams)) streams.TryRemove(id, out _);
    }

    public void Publish(string tenant, ControlCommand command)
    {
        if (!_streams.TryGetValue(tenant, out var streams)) return;
        foreach (var channel in streams.Values) channel.Writer.TryWrite(command);
    }
}

using LiveOrleans.Grains.Derived;
using LiveOrleans.Live;

namespace LiveOrleans.Grains.Tenants;

/// <summary>A tenant-day's rows, <see cref="DayConversation"/>, in <see cref="RowFormat"/> (read by the million at a large tenant's restart).</summary>
public sealed class DayRowCodec : IRowCodec<DayConversation>
{
    private const byte Format = 1;
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(64);

    public byte[] Write(DayConversation value)
    {
        var w = new RowFormat.Writer(_buffer, Format);
        w.Int(value.Position);
        var facts = value.Facts;
        w.String(facts.TeamId);
        w.String(facts.OwnerId);
        w.String(facts.Channel);
        w.Bool(facts.Waiting);
        w.Int((int)facts.Status);
        w.Int(facts.InitiatedHour);
        return w.ToArray();
    }

    public bool TryRead(ReadOnlySpan<byte> row, out DayConversation? value)
    {
        value = null;
        if (!RowFormat.Reader.Is(row, Format)) return false;
        var r = new RowFormat.Reader(row);
        var position = r.Int();
        var facts = new ConversationFacts(r.String(), r.String(), r.String(), r.Bool(), r.Enum<ConversationStatus>(), r.Int32());
        r.End();
        value = new DayConversation(position, facts);
        return true;
    }
}

using LiveOrleans.Grains.Derived;
using LiveOrleans.Live;
using LiveOrleans.Queries;

namespace LiveOrleans.Grains.Index;

/// <summary>
/// A live-index shard's rows, <see cref="SessionEntry"/>, in <see cref="RowFormat"/>: a restart reads them by the million,
/// and Orleans' serializer spent most of that read (a field header per field, reference tracking, and code still
/// unoptimised while the host starts). Every field of the entry, its card and the card's records, in a fixed order,
/// read back as written, nulls and undefined enum values included (as Orleans' serializer would);
/// <c>RowCodecTests.The_codecs_know_every_field_of_what_they_write</c> fails when a field is added to them and not here.
/// </summary>
public sealed class EntryRowCodec : IRowCodec<SessionEntry>
{
    private const byte Format = 1;
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(512);

    public byte[] Write(SessionEntry value)
    {
        var w = new RowFormat.Writer(_buffer, Format);
        w.Int(value.Position);
        w.Int(value.Deltas);
        w.Bool(value.BroadcastOnly);
        w.UInt((ulong)value.SearchTexts.Count);
        foreach (var text in value.SearchTexts) w.String(text);
        w.Time(value.WaitingSince);
        w.UInt((ulong)value.Replies.Count);
        foreach (var reply in value.Replies)
        {
            w.Time(reply.At);
            w.Double(reply.Milliseconds);
        }
        w.UInt((ulong)value.Interventions.Count);
        foreach (var at in value.Interventions) w.Time(at);
        var card = value.Card;
        w.String(card.SessionId);
        w.String(card.AgentId);
        w.String(card.AgentName);
        w.String(card.AgentColor);
        w.String(card.Channel);
        w.Bool(card.User is not null);
        if (card.User is { } user)
        {
            w.String(user.Id);
            w.String(user.Name);
        }
        w.Time(card.StartedAt);
        w.Time(card.LastActivityAt);
        w.Int((int)card.State);
        w.Int((int)card.Priority);
        // The preview is most often the newest searched text itself (a short message): then a flag, not the text again.
        var texts = value.SearchTexts;
        var previewIsNewest = texts.Count > 0 && string.Equals(card.Preview, texts[^1], StringComparison.Ordinal);
        w.Bool(previewIsNewest);
        if (!previewIsNewest) w.String(card.Preview);
        w.String(card.OwnerId);
        w.String(card.TeamId);
        w.Int((int)card.Status);
        w.Bool(card.WaitingForFirstResponse);
        w.Time(card.EndedAt);
        w.String(card.EndReason);
        w.Bool(card.HeldBy is not null);
        if (card.HeldBy is { } holder)
        {
            w.String(holder.UserId);
            w.String(holder.Name);
            w.Time(holder.Since);
        }
        return w.ToArray();
    }

    public bool TryRead(ReadOnlySpan<byte> row, out SessionEntry? value)
    {
        value = null;
        if (!RowFormat.Reader.Is(row, Format)) return false;
        var r = new RowFormat.Reader(row);
        var position = r.Int();
        var deltas = r.Int32();
        var broadcastOnly = r.Bool();
        var texts = r.UInt() is var textCount and > 0 ? new string[checked((int)textCount)] : [];
        for (var i = 0; i < texts.Length; i++) texts[i] = r.String()!;
        var waitingSince = r.MaybeTime();
        var replies = r.UInt() is var replyCount and > 0 ? new ReplySample[checked((int)replyCount)] : [];
        for (var i = 0; i < replies.Length; i++) replies[i] = new ReplySample(r.Time(), r.Double());
        var interventions = r.UInt() is var interventionCount and > 0 ? new DateTimeOffset[checked((int)interventionCount)] : [];
        for (var i = 0; i < interventions.Length; i++) interventions[i] = r.Time();
        // Arguments are evaluated in the order written: the order of Write.
        var card = new SessionCard(
            SessionId: r.String()!,
            AgentId: r.String(),
            AgentName: r.String(),
            AgentColor: r.String(),
            Channel: r.String(),
            User: r.Bool() ? new UserView(r.String(), r.String()) : null!,
            StartedAt: r.Time(),
            LastActivityAt: r.Time(),
            State: r.Enum<LiveState>(),
            Priority: r.Enum<Priority>(),
            Preview: r.Bool() ? (texts.Length > 0 ? texts[^1] : throw new FormatException("A preview of no text.")) : r.String()!,
            OwnerId: r.String(),
            TeamId: r.String(),
            Status: r.Enum<ConversationStatus>(),
            WaitingForFirstResponse: r.Bool(),
            EndedAt: r.MaybeTime(),
            EndReason: r.String(),
            HeldBy: r.Bool() ? new SessionHolder(r.String()!, r.String(), r.Time()) : null);
        r.End();
        value = new SessionEntry(position, deltas, card, broadcastOnly, texts, waitingSince, replies, interventions);
        return true;
    }
}

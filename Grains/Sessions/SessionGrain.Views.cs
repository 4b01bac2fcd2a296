using LiveOrleans.Queries;

namespace LiveOrleans.Grains;

// What a session shows: its card, the filter rules over it, its transcript and its share of the metrics bar.
public sealed partial class SessionGrain
{
    public string? AgentId => State.AgentId;

    public DateTimeOffset LastActivityAt => State.LastActivityAt;

    public DateTimeOffset StartedAt => State.StartedAt;

    public DateTimeOffset? EndedAt => State.EndedAt;

    public string? OwnerId => State.OwnerId;

    /// <summary>The live state, with a streaming reply shown while token deltas arrive.</summary>
    public LiveState LiveState => _streaming && State.State is LiveState.Active or LiveState.Thinking or LiveState.Error
        ? LiveState.Streaming
        : State.State;

    public StreamState StreamState => _streaming && LiveState == LiveState.Streaming ? StreamState.Streaming : State.Stream;

    /// <summary>Live from its start until it ends, plus the grace period during which its card shows <c>ended</c>.</summary>
    public bool IsLive(DateTimeOffset now, TimeSpan grace) => State.EndedAt is not { } ended || now < ended + grace;

    /// <summary>Conversations that only ever had outgoing broadcasts stay out of every view.</summary>
    public bool IsBroadcastOnly => State.HasBroadcast && !State.HasNonBroadcastMessage;

    public double DurationSeconds(DateTimeOffset now) => ((State.EndedAt ?? now) - State.StartedAt).TotalSeconds;

    public bool Matches(LiveFilter filter, DateTimeOffset now)
    {
        if (!LiveFilter.AllowsOptional(filter.Teams, State.TeamId)) return false;
        if (!LiveFilter.AllowsOptional(filter.Owners, State.OwnerId)) return false;
        if (!LiveFilter.AllowsOptional(filter.Channels, State.Channel)) return false;
        if (!LiveFilter.AllowsOptional(filter.Agents, State.AgentId)) return false;
        if (!LiveFilter.Allows(filter.Priorities, State.Priority)) return false;
        if (!LiveFilter.Allows(filter.Statuses, LiveState)) return false;
        if (filter.MinDurationSec is { } min && DurationSeconds(now) < min) return false;
        if (filter.MaxDurationSec is { } max && DurationSeconds(now) > max) return false;
        if (!string.IsNullOrEmpty(filter.Q)
            && !State.Messages.Any(m => m.Text is not null && m.Text.Contains(filter.Q, StringComparison.OrdinalIgnoreCase)))
            return false;
        return true;
    }

    public SessionCard Card(AgentGrain? agent) => new(
        Key,
        State.AgentId,
        agent?.Name ?? State.AgentId,
        agent?.Color ?? (State.AgentId is null ? null : AgentColors.For(State.AgentId)),
        State.Channel,
        new UserView(State.UserId, State.UserName),
        State.StartedAt,
        State.LastActivityAt,
        LiveState,
        State.Priority,
        State.Preview,
        State.OwnerId,
        State.TeamId,
        State.Status,
        State.HasIncoming && !State.HasBusinessReply,
        State.EndedAt);

    /// <summary>A page of the transcript, oldest first; the cursor is the absolute index of the next message.</summary>
    public (IReadOnlyList<MessageView> Items, string? Next, int Total) Transcript(int limit, int from)
    {
        var total = State.DroppedMessages + State.Messages.Count;
        var start = Math.Max(from, State.DroppedMessages) - State.DroppedMessages;
        var items = State.Messages.Skip(start).Take(limit).Select(ToView).ToArray();
        var next = start + items.Length < State.Messages.Count ? (State.DroppedMessages + start + items.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return (items, next, total);
    }

    private static MessageView ToView(StoredMessage m) => new(
        m.Id, m.Incoming ? "incoming" : "outgoing", m.At, m.Format, m.Text, m.Attachments, m.Speaker, m.Confidence,
        m.Sender, m.Broadcast, m.InternalNote, m.Delivery);

    /// <summary>Business replies answered in the window, as (count, total milliseconds).</summary>
    public (int Count, double TotalMs) RepliesSince(DateTimeOffset since)
    {
        int count = 0;
        double total = 0;
        foreach (var r in State.Replies)
        {
            if (r.At <= since) continue;
            count++;
            total += r.Milliseconds;
        }
        return (count, total);
    }

    public bool HadInterventionSince(DateTimeOffset since) => State.Audit.Any(a => a.Timestamp > since);
}

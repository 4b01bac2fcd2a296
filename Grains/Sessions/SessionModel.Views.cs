using System.Globalization;
using LiveOrleans.Live;

namespace LiveOrleans.Grains.Sessions;

// What a session shows: its card, its index entry, its facts for each day, its transcript.
public sealed partial class SessionModel
{
    /// <summary>The live state, with a streaming reply shown while token deltas arrive.</summary>
    public LiveState LiveState => _streaming && State.State is LiveState.Active or LiveState.Thinking or LiveState.Error
        ? LiveState.Streaming
        : State.State;

    public StreamState StreamState => _streaming && LiveState == LiveState.Streaming ? StreamState.Streaming : State.Stream;

    /// <summary>Conversations that only ever had outgoing broadcasts stay out of every view.</summary>
    public bool IsBroadcastOnly => State.HasBroadcast && !State.HasNonBroadcastMessage;

    /// <summary>The card; agent name and colour are the directory's and are filled in when read.</summary>
    public SessionCard Card() => new(
        SessionId,
        State.AgentId,
        null,
        null,
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
        State.EndedAt,
        State.State == LiveState.Ended ? State.EndReason : null,
        State.HeldBy);

    /// <summary>The session as the live index keeps it.</summary>
    public SessionEntry Entry()
    {
        var horizon = State.LastActivityAt - LiveOptions.MetricsWindow - LiveOptions.MetricsWindow;
        return new SessionEntry(
            State.AppliedPosition,
            _deltas,
            Card(),
            IsBroadcastOnly,
            [.. State.SearchTexts],
            State.HasBusinessReply ? null : State.UnansweredSince,
            [.. State.Replies],
            [.. State.Interventions.Where(i => i.Timestamp > horizon).Select(i => i.Timestamp)]);
    }

    /// <summary>What the conversation contributes to each local day of <paramref name="zone"/> it is active on; none while it is broadcast-only or never active.</summary>
    public IReadOnlyList<DayFacts> Days(string zone)
    {
        if (!State.HasNonBroadcastMessage || (State.ActiveDays.Count == 0 && State.ActiveSlots.Count == 0)) return [];
        var firstDay = State.FirstMessageIncoming && State.FirstMessageAt is { } first ? TenantClock.Day(first, zone) : null;
        var firstHour = firstDay is null ? -1 : TenantClock.Hour(State.FirstMessageAt!.Value, zone);
        var waiting = State.HasIncoming && !State.HasBusinessReply;
        return [.. ActiveDays(zone).Select(day => new DayFacts(day, new ConversationFacts(State.TeamId, State.OwnerId, State.Channel, waiting,
            State.Status, day == firstDay ? firstHour : -1)))];
    }

    /// <summary>
    /// Everything the session contributes to the derived grains, its days in the tenant's <paramref name="zone"/>.
    /// <paramref name="effects"/> limits activity, alerts and (unless <paramref name="allAgents"/>) agent signals to what
    /// just happened; without it everything is given.
    /// </summary>
    public SessionChanges Changes(SessionEffects? effects, string zone, bool allAgents = false)
    {
        var agents = effects is null || allAgents
            ? [.. State.AgentSignals.Values]
            : effects.Agents.Select(a => State.AgentSignals[a]).ToArray();
        return new SessionChanges(Entry(), Days(zone), agents,
            effects is null ? [.. State.RecentActivity] : [.. effects.Activity],
            effects is null ? [] : [.. effects.Alerts],
            effects is null ? [] : [.. effects.Lifecycle]);
    }

    /// <summary>
    /// A page of the transcript, oldest first (the cursor is the absolute index of the next message), and a page of the
    /// interventions: the newest <paramref name="interventionLimit"/> before index <paramref name="interventionsBefore"/>,
    /// oldest first within the page (the older cursor is the index of the page's first entry).
    /// </summary>
    public SessionDetail Detail(int limit, int from, int interventionLimit, int? interventionsBefore)
    {
        var total = State.DroppedMessages + State.Messages.Count;
        var start = Math.Max(from, State.DroppedMessages) - State.DroppedMessages;
        var items = State.Messages.Skip(start).Take(limit).Select(ToView).ToArray();
        var next = start + items.Length < State.Messages.Count
            ? (State.DroppedMessages + start + items.Length).ToString(CultureInfo.InvariantCulture)
            : null;
        var interventions = State.Interventions;
        var end = Math.Clamp(interventionsBefore ?? interventions.Count, 0, interventions.Count);
        var first = Math.Max(0, end - interventionLimit);
        var older = first > 0 ? first.ToString(CultureInfo.InvariantCulture) : null;
        return new SessionDetail(Card(), StreamState, items, next, total, interventions.GetRange(first, end - first), interventions.Count, older);
    }

    private static MessageView ToView(StoredMessage m) => new(
        m.Id, m.Incoming ? "incoming" : "outgoing", m.At, m.Format, m.Text, m.Attachments, m.Speaker, m.Confidence,
        m.Sender, m.Broadcast, m.InternalNote, m.Delivery);
}

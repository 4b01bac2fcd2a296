using LiveOrleans.Live;

namespace LiveOrleans.Grains.Sessions;

/// <summary>
/// The rules of one conversation (docs/semantics.md): its state machine, transcript, preview, first message, waiting and
/// reply times, active days, and what it says about agents. Pure: it changes <see cref="State"/> and reports what
/// else happened in a <see cref="SessionEffects"/>; the grain around it does the I/O. Applying the same log entries
/// to the same state gives the same state, so a replay equals the live run.
/// </summary>
public sealed partial class SessionModel(string tenant, string sessionId, SessionState state, LiveOptions options)
{
    public string Tenant { get; } = tenant;

    public string SessionId { get; } = sessionId;

    public SessionState State { get; } = state;

    /// <summary>Set by a token delta and cleared by the next logged entry: deltas skip the log, so this never reaches a snapshot.</summary>
    private bool _streaming;

    /// <summary>
    /// The text of the reply streaming now (from deltas, not stored): what an override discards. A builder, not a
    /// string: appending to a string copied the whole reply for every delta.
    /// </summary>
    private System.Text.StringBuilder? _streamingText;

    /// <summary>Deltas taken since the last logged entry; with the position, it orders this session's index entries.</summary>
    private int _deltas;

    /// <summary>Whether any entry was ever applied: a session that took nothing does not exist.</summary>
    public bool Exists => State.AppliedPosition > 0;

    public string? StreamingText => _streamingText?.ToString();

    /// <summary>The agent's own events, refused while the session is paused.</summary>
    public static bool IsAgentEvent(LiveEvent e) => e is AgentThinking or MessageDelta || (e is MessageSent m && m.Sender.Kind != SenderKind.System);

    /// <summary>Why the session refuses these events now, or null. A paused session refuses its agent's events.</summary>
    public string? Refusal(IReadOnlyList<LiveEvent> events) => RefusalOf(events)?.Detail;

    /// <summary>
    /// Why the session refuses these events now, and as what, or null. A paused session refuses its agent's events; a
    /// session a person took over refuses token deltas and every reply but the holder's own (sender <c>human</c> with
    /// their user id) and the engine's (<c>system</c>).
    /// </summary>
    public (string Detail, RefusalKind Kind)? RefusalOf(IReadOnlyList<LiveEvent> events)
    {
        if (!Exists) return null;
        if (State.State == LiveState.Paused)
        {
            foreach (var e in events)
            {
                if (!IsAgentEvent(e)) continue;
                var name = e switch { AgentThinking => "agent_thinking", MessageDelta => "message_delta", _ => "message_sent" };
                return ($"Session '{SessionId}' is paused by an intervention: the agent's {name} is refused until a supervisor resumes it.", RefusalKind.Paused);
            }
        }
        if (State.HeldBy is { } holder)
        {
            foreach (var e in events)
            {
                if (!IsRefusedWhileHeld(e, holder)) continue;
                var name = e is MessageDelta ? "message_delta" : "message_sent";
                return ($"Session '{SessionId}' is taken over by {Named(holder)}: the agent's {name} is refused until they hand it back.", RefusalKind.TakenOver);
            }
        }
        return null;
    }

    /// <summary>While a person holds the conversation only they (and the engine) answer: token deltas, and replies from anyone else, are refused.</summary>
    private static bool IsRefusedWhileHeld(LiveEvent e, SessionHolder holder) => e switch
    {
        MessageDelta => true,
        MessageSent m => m.Sender.Kind != SenderKind.System && !(m.Sender.Kind == SenderKind.Human && m.Sender.Id == holder.UserId),
        _ => false,
    };

    /// <summary>A holder as refusals name them: name and user id.</summary>
    private static string Named(SessionHolder holder) => holder.Name is null ? holder.UserId : $"{holder.Name} ({holder.UserId})";

    /// <summary>Applies a logged event at its position.</summary>
    public void Apply(LiveEvent e, long position, SessionEffects effects)
    {
        State.AppliedPosition = position;
        _streaming = false;
        _streamingText = null;
        _deltas = 0;
        effects.Changed = true;
        var isNew = State.StartedAt == default;
        if (isNew || (!State.Started && e.Timestamp < State.StartedAt)) State.StartedAt = e.Timestamp;
        if (e.Timestamp > State.LastActivityAt) State.LastActivityAt = e.Timestamp;

        switch (e)
        {
            case SessionStarted s: Started(s, position, effects); break;
            case MessageReceived m: Received(m, effects); break;
            case MessageSent m: Sent(m, effects); break;
            case AgentThinking t: Thinking(t, effects); break;
            case SessionEnded s: Ended(s, position, effects); break;
            case ErrorOccurred err: Failed(err, position, effects); break;
            case ConversationAssigned a:
                State.OwnerId = a.OwnerId;
                if (a.ChangesTeam) State.TeamId = a.TeamId;
                if (a.OwnerId is not null) Signal(a.OwnerId, AgentKind.Human, null, null, effects);
                break;
            case ConversationStatusChanged c: State.Status = c.Status; break;
            case PriorityChanged p:
                if (p.Priority == Priority.Urgent && State.Priority != Priority.Urgent)
                    Alert(p.Timestamp, position, "high", "urgent_session", "A conversation became urgent", effects);
                State.Priority = p.Priority;
                break;
        }
        if (LifecycleName(e) is { } lifecycle) effects.Lifecycle.Add(new SessionLifecycle(lifecycle, SessionId, e.Timestamp));
    }

    /// <summary>The lifecycle events the tenant stream names (the others change a session without a lifecycle name).</summary>
    private static string? LifecycleName(LiveEvent e) => e switch
    {
        SessionStarted => "session_started",
        MessageReceived => "message_received",
        MessageSent => "message_sent",
        AgentThinking => "agent_thinking",
        SessionEnded => "session_ended",
        ErrorOccurred => "error_occurred",
        _ => null,
    };

    private void Started(SessionStarted s, long position, SessionEffects effects)
    {
        State.Started = true;
        State.StartedAt = s.Timestamp;
        State.Channel = s.Channel;
        State.AgentId = s.AgentId;
        State.UserId = s.User.Id;
        State.UserName = s.User.Name;
        if (s.Priority is { } priority) State.Priority = priority;
        if (s.TeamId is not null) State.TeamId = s.TeamId;
        if (s.OwnerId is not null)
        {
            State.OwnerId = s.OwnerId;
            Signal(s.OwnerId, AgentKind.Human, null, null, effects);
        }
        if (s.Metadata is not null) State.Metadata = new Dictionary<string, string>(s.Metadata);
        if (s.Priority == Priority.Urgent)
            Alert(s.Timestamp, position, "high", "urgent_session", $"New urgent conversation from {s.User.Name ?? s.User.Id} on {s.Channel}", effects);
        Signal(s.AgentId, null, null, null, effects);
        Record(s.Timestamp, position, "session_started", s.AgentId, $"Session started on {s.Channel} with {s.User.Name ?? s.User.Id}", effects);
    }

    private void Received(MessageReceived m, SessionEffects effects)
    {
        AddMessage(m.Message, incoming: true, m.Timestamp, sender: null, broadcast: false, internalNote: false, delivery: null, effects);
        State.HasIncoming = true;
        State.HasNonBroadcastMessage = true;
        if (State.UnansweredSince is null || m.Timestamp < State.UnansweredSince) State.UnansweredSince = m.Timestamp;
        NoteActiveDay(m.Timestamp);
        if (State.State is not (LiveState.Ended or LiveState.Paused)) State.State = LiveState.Active;
        State.Stream = StreamState.Idle;
    }

    private void Sent(MessageSent m, SessionEffects effects)
    {
        var agent = SendingAgent(m.Sender);
        var fromAgent = agent is not null && (State.AgentId is null || agent == State.AgentId);
        AddMessage(m.Message, incoming: false, m.Timestamp, m.Sender, m.Broadcast, m.InternalNote, m.Delivery, effects);
        if (agent is not null)
        {
            Signal(agent, m.Sender.Kind == SenderKind.Ai ? AgentKind.Ai : AgentKind.Human, m.Timestamp, m.IsBusinessReply ? m.Timestamp : null, effects);
        }
        if (m.InternalNote) return;

        if (m.Broadcast) State.HasBroadcast = true;
        else State.HasNonBroadcastMessage = true;
        if (m.Delivery == Delivery.Sent) NoteActiveDay(m.Timestamp);
        if (m.IsBusinessReply)
        {
            State.HasBusinessReply = true;
            if (State.UnansweredSince is { } since && m.Timestamp >= since)
            {
                State.Replies.Add(new ReplySample(m.Timestamp, (m.Timestamp - since).TotalMilliseconds));
                var horizon = m.Timestamp - LiveOptions.MetricsWindow - LiveOptions.MetricsWindow;
                State.Replies.RemoveAll(r => r.At < horizon);
                State.UnansweredSince = null;
            }
        }
        if (State.State == LiveState.Error || (fromAgent && State.State is LiveState.Thinking or LiveState.Streaming))
            State.State = LiveState.Active;
        if (fromAgent) State.Stream = StreamState.Complete;
    }

    private void Thinking(AgentThinking t, SessionEffects effects)
    {
        if (State.AgentId is not null) Signal(State.AgentId, null, t.Timestamp, null, effects);
        if (State.State is LiveState.Ended or LiveState.Paused) return;
        State.State = LiveState.Thinking;
        State.Stream = StreamState.Thinking;
    }

    private void Ended(SessionEnded s, long position, SessionEffects effects)
    {
        var wasEnded = State.State == LiveState.Ended;
        State.State = LiveState.Ended;
        State.HeldBy = null;
        State.Stream = StreamState.Idle;
        State.EndReason = s.Reason;
        if (State.EndedAt is null || s.Timestamp > State.EndedAt) State.EndedAt = s.Timestamp;
        if (!wasEnded)
        {
            Record(s.Timestamp, position, "session_ended", State.AgentId, s.Reason is null ? "Session ended" : $"Session ended: {s.Reason}", effects);
        }
    }

    private void Failed(ErrorOccurred e, long position, SessionEffects effects)
    {
        State.LastError = e.Error;
        if (State.State != LiveState.Ended) State.State = LiveState.Error;
        Record(e.Timestamp, position, "error", State.AgentId, $"{e.Error.Code}: {e.Error.Message}", effects);
        Alert(e.Timestamp, position, "high", "error", $"{e.Error.Code}: {e.Error.Message}", effects);
    }

    /// <summary>A token delta (not logged): the reply is streaming. Returns false when the session's state refuses it.</summary>
    /// <remarks>Only the first delta of a reply changes what a list shows (the state); the others reach watchers only.</remarks>
    public bool Delta(MessageDelta delta, SessionEffects effects)
    {
        if (!Exists || State.State is LiveState.Paused or LiveState.Ended) return false;
        var before = LiveState;
        _streaming = true;
        if ((_streamingText?.Length ?? 0) + delta.Delta.Length <= Validation.Limits.MaxMessageTextBytes) (_streamingText ??= new()).Append(delta.Delta);
        if (LiveState != before)
        {
            _deltas++;
            effects.Changed = true;
        }
        return true;
    }

    /// <summary>The agent a message is from: its sender id, or the session's agent; none for system messages.</summary>
    private string? SendingAgent(Sender sender) => sender.Kind == SenderKind.System ? null : sender.Id ?? State.AgentId;

    private void AddMessage(MessageContent content, bool incoming, DateTimeOffset at, Sender? sender, bool broadcast,
        bool internalNote, Delivery? delivery, SessionEffects effects)
    {
        var message = new StoredMessage(content.Id, incoming, at, content.Format, content.Text, content.Attachments,
            content.Speaker, content.Confidence, sender, broadcast, internalNote, delivery);
        State.Messages.Add(message);
        effects.Messages.Add(ToView(message));
        if (State.Messages.Count > options.MaxMessagesPerSession)
        {
            var drop = State.Messages.Count - options.MaxMessagesPerSession;
            State.Messages.RemoveRange(0, drop);
            State.DroppedMessages += drop;
        }
        if (!string.IsNullOrEmpty(content.Text)) AddSearchText(content.Text);
        if (internalNote) return;
        if (State.PreviewAt is null || at >= State.PreviewAt)
        {
            State.Preview = Sessions.Preview.Of(content);
            State.PreviewAt = at;
        }
        if (State.FirstMessageAt is null || at < State.FirstMessageAt)
        {
            State.FirstMessageAt = at;
            State.FirstMessageIncoming = incoming;
        }
    }

    private void AddSearchText(string text)
    {
        if (text.Length > options.SearchTextChars) text = text[^options.SearchTextChars..];
        var texts = State.SearchTexts;
        texts.Add(text);
        State.SearchTextChars += text.Length;
        var drop = 0;
        while (State.SearchTextChars > options.SearchTextChars) State.SearchTextChars -= texts[drop++].Length;
        if (drop > 0) texts.RemoveRange(0, drop);
    }

    /// <summary>How far back from the newest active quarter hour others are kept: enough for the last three local days in any zone.</summary>
    public static readonly TimeSpan ActiveSlotHorizon = TimeSpan.FromDays(4);

    private static readonly long SlotTicks = TimeSpan.FromMinutes(15).Ticks;

    private void NoteActiveDay(DateTimeOffset at)
    {
        // Every time zone's offset is a whole number of quarter hours (the local mean times before 1900 aside), so a
        // quarter hour falls within one local day in every zone.
        var slot = (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / SlotTicks;
        var slots = State.ActiveSlots;
        var index = slots.BinarySearch(slot);
        if (index >= 0) return;
        slots.Insert(~index, slot);
        var oldest = slots[^1] - ActiveSlotHorizon.Ticks / SlotTicks;
        var drop = 0;
        while (drop < slots.Count && slots[drop] < oldest) drop++;
        if (drop > 0) slots.RemoveRange(0, drop);
    }

    /// <summary>The local days (<c>yyyy-MM-dd</c>, ascending) the conversation was active on in <paramref name="zone"/>: the last three.</summary>
    public IReadOnlyList<string> ActiveDays(string zone)
    {
        // Slots ascend, so their local days do too: each day is named once, when it starts.
        var tz = TenantClock.Zone(zone);
        var days = new List<string>(4);
        var last = DateTime.MinValue;
        foreach (var slot in State.ActiveSlots)
        {
            var date = TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + slot * SlotTicks, TimeSpan.Zero), tz).Date;
            if (date == last) continue;
            last = date;
            days.Add(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (State.ActiveDays.Count > 0)
        {
            // A snapshot from before the slots: its day names, merged.
            days = [.. days.Union(State.ActiveDays, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
        return days.Count <= 3 ? days : days.GetRange(days.Count - 3, 3);
    }

    /// <summary>Merges what this session says about an agent: the newest times win, a first guess at the kind stays.</summary>
    private void Signal(string agentId, AgentKind? kind, DateTimeOffset? presenceAt, DateTimeOffset? messageAt, SessionEffects effects)
    {
        var old = State.AgentSignals.GetValueOrDefault(agentId);
        var merged = new AgentSignal(agentId, old?.KindHint ?? kind, LiveTime.Later(old?.PresenceAt, presenceAt), LiveTime.Later(old?.MessageAt, messageAt));
        if (merged == old) return;
        State.AgentSignals[agentId] = merged;
        effects.Agents.Add(agentId);
    }

    /// <summary>Adds an activity entry; its id carries its time and log position, so a replay gives the same ids.</summary>
    private void Record(DateTimeOffset at, long position, string type, string? agentId, string summary, SessionEffects effects)
    {
        var entry = new ActivityEntry(ActivityIds.Format(at, position, type), at, type, SessionId, agentId, summary);
        State.RecentActivity.Add(entry);
        if (State.RecentActivity.Count > LiveOptions.ActivityPerSession) State.RecentActivity.RemoveAt(0);
        effects.Activity.Add(entry);
    }

    /// <summary>Alerts are notifications, not state: their id comes from the log position, so a dashboard can tell one from another.</summary>
    private void Alert(DateTimeOffset at, long position, string severity, string kind, string text, SessionEffects effects)
        => effects.Alerts.Add(new AlertView($"alert_{position}_{kind}", at, severity, kind, SessionId, text));
}

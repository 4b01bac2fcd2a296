using LiveOrleans.Events;
using LiveOrleans.Queries;
using LiveOrleans.Runtime;

namespace LiveOrleans.Grains;

/// <summary>
/// One conversation: its fields, transcript, live state machine (SEMANTICS.md, Sessions) and what it
/// contributes to the figures of each day it is active.
/// </summary>
[GrainType("session")]
public sealed partial class SessionGrain : Grain<SessionState>
{
    private const string CollectTimer = "collect";
    private const string WaitingTimer = "waiting";

    /// <summary>Set by a token delta and cleared by the next logged event: deltas skip the log, so this never reaches a snapshot.</summary>
    private bool _streaming;

    /// <summary>The text of the reply streaming now (from deltas, not stored): what an override discards.</summary>
    private string? _streamingText;

    public string Id => Key;

    private TenantGrain Directory => GetGrain<TenantGrain>(TenantGrain.DirectoryKey);

    public override void OnActivate()
    {
        if (State.EndedAt is { } ended) RegisterTimer(CollectTimer, ended + _retention);
        // No other grain is called while activating (at recovery it may not be activated yet): the timer looks up the threshold when it fires.
        else if (State.UnansweredSince is { } since && !State.HasBusinessReply) RegisterTimer(WaitingTimer, since);
    }

    /// <summary>How long after its end the session stays active; set from the options by every event.</summary>
    private TimeSpan _retention = LiveOptions.MetricsWindow;

    /// <summary>Applies a logged event.</summary>
    public void Handle(LiveEvent e, LiveOptions options)
    {
        _retention = options.EndedRetention;
        var before = LiveState;
        _streaming = false;
        _streamingText = null;
        var isNew = State.StartedAt == default;
        if (isNew || (!State.Started && e.Timestamp < State.StartedAt)) State.StartedAt = e.Timestamp;
        if (e.Timestamp > State.LastActivityAt) State.LastActivityAt = e.Timestamp;
        if (isNew) Directory.SessionOpened(Key);

        switch (e)
        {
            case SessionStarted s: Started(s, options); break;
            case MessageReceived m: Received(m, options); break;
            case MessageSent m: Sent(m, options); break;
            case AgentThinking t: Thinking(t); break;
            case SessionEnded s: Ended(s, options); break;
            case ErrorOccurred err: Failed(err, options); break;
            case ConversationAssigned a:
                State.OwnerId = a.OwnerId;
                if (a.ChangesTeam) State.TeamId = a.TeamId;
                if (a.OwnerId is not null) GetGrain<AgentGrain>(a.OwnerId).Seen(AgentKind.Human);
                break;
            case ConversationStatusChanged c: State.Status = c.Status; break;
            case PriorityChanged p:
                if (p.Priority == Priority.Urgent && State.Priority != Priority.Urgent)
                    Alert(p.Timestamp, "high", "urgent_session", "A conversation became urgent");
                State.Priority = p.Priority;
                break;
        }
        PublishFacts();
        PublishChange(before);
    }

    private void PublishChange(LiveState before)
    {
        Publish(new SessionChanged(Tenant, Key));
        if (LiveState != before) Publish(new SessionStateChanged(Tenant, Key, LiveState));
    }

    private void Started(SessionStarted s, LiveOptions options)
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
            GetGrain<AgentGrain>(s.OwnerId).Seen(AgentKind.Human);
        }
        if (s.Metadata is not null) State.Metadata = new Dictionary<string, string>(s.Metadata);
        if (s.Priority == Priority.Urgent) Alert(s.Timestamp, "high", "urgent_session", $"New urgent conversation from {s.User.Name ?? s.User.Id} on {s.Channel}");
        GetGrain<AgentGrain>(s.AgentId).Seen(null);
        Directory.Record(s.Timestamp, "session_started", Key, s.AgentId,
            $"Session started on {s.Channel} with {s.User.Name ?? s.User.Id}", options.MaxActivityEntries);
    }

    private void Received(MessageReceived m, LiveOptions options)
    {
        AddMessage(m.Message, incoming: true, m.Timestamp, sender: null, broadcast: false, internalNote: false, delivery: null, options);
        State.HasIncoming = true;
        State.HasNonBroadcastMessage = true;
        if (State.UnansweredSince is null || m.Timestamp < State.UnansweredSince)
        {
            State.UnansweredSince = m.Timestamp;
            if (!State.HasBusinessReply) RegisterTimer(WaitingTimer, m.Timestamp + Directory.WaitingAlertThreshold);
        }
        NoteActiveDay(m.Timestamp);
        if (State.State is not (LiveState.Ended or LiveState.Paused)) State.State = LiveState.Active;
        State.Stream = StreamState.Idle;
    }

    private void Sent(MessageSent m, LiveOptions options)
    {
        var agent = SendingAgent(m.Sender);
        var fromAgent = agent is not null && (State.AgentId is null || agent == State.AgentId);
        if (fromAgent && State.State == LiveState.Paused) return; // refused while paused (the edge answers 409 before it gets here)
        AddMessage(m.Message, incoming: false, m.Timestamp, m.Sender, m.Broadcast, m.InternalNote, m.Delivery, options);
        if (agent is not null)
        {
            var grain = GetGrain<AgentGrain>(agent);
            grain.Seen(m.Sender.Kind == SenderKind.Ai ? AgentKind.Ai : AgentKind.Human);
            grain.PresenceSignal(m.Timestamp);
            if (m.IsBusinessReply) grain.MessageSent(m.Timestamp);
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

    private void Thinking(AgentThinking t)
    {
        if (State.AgentId is not null) GetGrain<AgentGrain>(State.AgentId).PresenceSignal(t.Timestamp);
        if (State.State is LiveState.Ended or LiveState.Paused) return;
        State.State = LiveState.Thinking;
        State.Stream = StreamState.Thinking;
    }

    private void Ended(SessionEnded s, LiveOptions options)
    {
        var wasEnded = State.State == LiveState.Ended;
        State.State = LiveState.Ended;
        State.Stream = StreamState.Idle;
        State.EndReason = s.Reason;
        if (State.EndedAt is null || s.Timestamp > State.EndedAt) State.EndedAt = s.Timestamp;
        RegisterTimer(CollectTimer, State.EndedAt.Value + options.EndedRetention);
        if (!wasEnded)
        {
            Directory.Record(s.Timestamp, "session_ended", Key, State.AgentId,
                s.Reason is null ? "Session ended" : $"Session ended: {s.Reason}", options.MaxActivityEntries);
        }
    }

    private void Failed(ErrorOccurred e, LiveOptions options)
    {
        State.LastError = e.Error;
        if (State.State != LiveState.Ended) State.State = LiveState.Error;
        Directory.Record(e.Timestamp, "error", Key, State.AgentId, $"{e.Error.Code}: {e.Error.Message}", options.MaxActivityEntries);
        Alert(e.Timestamp, "high", "error", $"{e.Error.Code}: {e.Error.Message}");
    }

    /// <summary>A token delta (not logged): the reply is streaming. Returns false when the session's state refuses it.</summary>
    /// <remarks>Only the first delta of a reply changes the card (its state); the others reach watchers as tokens and
    /// change nothing a list shows, so they publish nothing (a card push per token would flood every dashboard).</remarks>
    public bool Delta(MessageDelta delta)
    {
        if (State.State is LiveState.Paused or LiveState.Ended) return false;
        var before = LiveState;
        _streaming = true;
        if ((_streamingText?.Length ?? 0) + delta.Delta.Length <= Validation.Limits.MaxMessageTextBytes) _streamingText += delta.Delta;
        if (LiveState != before) PublishChange(before);
        return true;
    }

    /// <summary>The agent a message is from: its sender id, or the session's agent; none for system messages.</summary>
    private string? SendingAgent(Sender sender) => sender.Kind == SenderKind.System ? null : sender.Id ?? State.AgentId;

    private void AddMessage(MessageContent content, bool incoming, DateTimeOffset at, Sender? sender, bool broadcast,
        bool internalNote, Delivery? delivery, LiveOptions options)
    {
        var message = new StoredMessage(content.Id, incoming, at, content.Format, content.Text, content.Attachments,
            content.Speaker, content.Confidence, sender, broadcast, internalNote, delivery);
        State.Messages.Add(message);
        Publish(new MessageRecorded(Tenant, Key, ToView(message)));
        if (State.Messages.Count > options.MaxMessagesPerSession)
        {
            var drop = State.Messages.Count - options.MaxMessagesPerSession;
            State.Messages.RemoveRange(0, drop);
            State.DroppedMessages += drop;
        }
        if (internalNote) return;
        if (State.PreviewAt is null || at >= State.PreviewAt)
        {
            State.Preview = Grains.Preview.Of(content);
            State.PreviewAt = at;
        }
        if (State.FirstMessageAt is null || at < State.FirstMessageAt)
        {
            State.FirstMessageAt = at;
            State.FirstMessageIncoming = incoming;
        }
    }

    private void NoteActiveDay(DateTimeOffset at)
    {
        var day = TenantClock.Day(at, Directory.TimeZone);
        var days = State.ActiveDays;
        if (days.Contains(day)) return;
        days.Add(day);
        days.Sort(StringComparer.Ordinal);
        if (days.Count > 3) days.RemoveAt(0);
    }

    /// <summary>Tells each day this conversation is active on what it contributes there now.</summary>
    private void PublishFacts()
    {
        if (!State.HasNonBroadcastMessage || State.ActiveDays.Count == 0) return;
        var zone = Directory.TimeZone;
        var firstDay = State.FirstMessageIncoming && State.FirstMessageAt is { } first ? TenantClock.Day(first, zone) : null;
        var firstHour = firstDay is null ? -1 : TenantClock.Hour(State.FirstMessageAt!.Value, zone);
        var waiting = State.HasIncoming && !State.HasBusinessReply;
        foreach (var day in State.ActiveDays)
        {
            var facts = new ConversationFacts(State.TeamId, State.OwnerId, State.Channel, waiting, State.Status,
                day == firstDay ? firstHour : -1);
            GetGrain<TenantDayGrain>(day).Upsert(Key, facts);
        }
    }

    /// <summary>Alerts are notifications, not state: their id comes from the log position (or the wait's start), so a
    /// dashboard can tell one alert from another.</summary>
    private void Alert(DateTimeOffset at, string severity, string kind, string text)
        => Publish(new AlertRaised(Tenant, new AlertView($"alert_{CurrentPosition}_{kind}", at, severity, kind, Key, text)));

    public override void OnTimer(string name)
    {
        switch (name)
        {
            case CollectTimer when State.EndedAt is { } ended && Now >= ended + _retention:
                Directory.SessionCollected(Key);
                DeactivateOnIdle();
                break;
            case WaitingTimer when State.UnansweredSince is { } since && !State.HasBusinessReply && State.EndedAt is null:
                var threshold = Directory.WaitingAlertThreshold;
                if (Now < since + threshold) RegisterTimer(WaitingTimer, since + threshold);
                else Publish(new AlertRaised(Tenant, new AlertView($"alert_wait_{Key}_{since.UtcTicks}", Now, "medium", "waiting",
                    Key, $"{State.UserName ?? State.UserId ?? "A customer"} has waited more than {threshold.TotalSeconds:0} s for a first response")));
                break;
        }
    }
}

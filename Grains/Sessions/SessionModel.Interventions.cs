namespace LiveOrleans.Grains.Sessions;

// Interventions (docs/semantics.md): checked before they are logged, applied when they are (and the same way on replay).
public sealed partial class SessionModel
{
    /// <summary>Why the session's state does not allow the intervention now, or null.</summary>
    public string? Refusal(InterventionCommand command)
    {
        if (State.State == LiveState.Ended) return $"Session '{SessionId}' has ended; no intervention is possible.";
        return command.Type switch
        {
            InterventionType.Pause when State.State == LiveState.Paused => $"Session '{SessionId}' is already paused.",
            InterventionType.Resume when State.State != LiveState.Paused =>
                $"Session '{SessionId}' is not paused (it is {Validation.EnumNames<LiveState>.Name(LiveState)}); only a paused session can be resumed.",
            InterventionType.Takeover when State.HeldBy is { } holder => holder.UserId == command.AdminId
                ? $"Session '{SessionId}' is already yours: you took it over at {holder.Since:O}."
                : $"Session '{SessionId}' is held by {Named(holder)} since {holder.Since:O}; they (or an admin) must hand it back first.",
            InterventionType.Handback when State.HeldBy is null => $"Session '{SessionId}' is not taken over; there is nothing to hand back.",
            _ => null,
        };
    }

    /// <summary>Why the person may not hand the conversation back (it is someone else's and they are no admin), or null.</summary>
    public string? HolderRefusal(InterventionCommand command)
        => command.Type == InterventionType.Handback && State.HeldBy is { } holder && holder.UserId != command.AdminId && !command.ByAdmin
            ? $"Session '{SessionId}' is held by {Named(holder)}: only they or an admin may hand it back."
            : null;

    /// <summary>Applies a logged intervention; answers its audit entry and the agent that ran the session when it was taken.</summary>
    public (InterventionView Entry, string? AgentBefore) Apply(InterventionCommand command, long position, SessionEffects effects)
    {
        State.AppliedPosition = position;
        effects.Changed = true;
        var agentBefore = State.AgentId;
        switch (command.Type)
        {
            case InterventionType.Pause:
                State.State = LiveState.Paused;
                _streaming = false;
                SystemMessage(command, "This conversation is paused and will resume shortly.", effects);
                break;
            case InterventionType.Resume:
                State.State = LiveState.Active;
                SystemMessage(command, "This conversation has resumed.", effects);
                break;
            case InterventionType.SystemMessage:
                SystemMessage(command, command.Content!, effects);
                break;
            case InterventionType.Transfer:
                var target = command.Target!;
                State.AgentId = target.AgentId;
                State.HandoffQueue = target.Queue;
                if (target.AgentId is not null) Signal(target.AgentId, null, null, null, effects);
                SystemMessage(command, target.AgentId is not null ? "You are being transferred to another agent." : "You are being transferred to a member of our team.", effects);
                Record(command.Timestamp, position, "transfer", agentBefore, $"Transferred to {target.AgentId ?? "queue " + target.Queue}: {command.Reason}", effects);
                break;
            case InterventionType.Reassign:
                if (command.Target!.ChangesOwner) State.OwnerId = command.Target.OwnerId;
                if (command.Target.ChangesTeam) State.TeamId = command.Target.TeamId;
                if (State.OwnerId is not null) Signal(State.OwnerId, AgentKind.Human, null, null, effects);
                break;
            case InterventionType.Takeover:
                // From this entry on the AI agent's replies are refused (RefusalOf); the reply it was streaming is cut.
                State.HeldBy = new SessionHolder(command.AdminId, command.HolderName, command.Timestamp);
                _streaming = false;
                _streamingText = null;
                if (State.State is LiveState.Thinking or LiveState.Streaming) State.State = LiveState.Active;
                State.Stream = StreamState.Idle;
                SystemMessage(command, "A member of our team has joined the conversation.", effects);
                break;
            case InterventionType.Handback:
                // The note, if any, goes to the producer with the command, like a guidance; never to the customer.
                State.HeldBy = null;
                SystemMessage(command, "Our assistant will continue the conversation.", effects);
                break;
            case InterventionType.Guide:
                // A private note to the agent: it goes to the producer as a control command and stays in the
                // interventions (the audit entry); nothing is said in the conversation.
                break;
        }

        var entry = new InterventionView(command.InterventionId, SessionId, command.AdminId, command.Type, command.Reason, command.Timestamp,
            Tenant, command.Content, command.Target, command.Original);
        State.Interventions.Add(entry);
        effects.Interventions.Add(entry);
        var typeName = Validation.EnumNames<InterventionType>.Name(command.Type);
        Record(command.Timestamp, position, "intervention", agentBefore, $"{typeName} by {command.AdminId}: {command.Reason}", effects);
        Alert(command.Timestamp, position, "info", "intervention", $"{typeName} of a conversation: {command.Reason}", effects);
        effects.Lifecycle.Add(new Live.SessionLifecycle("intervention_triggered", SessionId, command.Timestamp));
        if (command.Timestamp > State.LastActivityAt) State.LastActivityAt = command.Timestamp;
        return (entry, agentBefore);
    }

    /// <summary>A message of the business shown to the customer; it is the engine's, not a reply, so it changes no figure.</summary>
    private void SystemMessage(InterventionCommand command, string text, SessionEffects effects)
        => AddMessage(new MessageContent($"{command.InterventionId}-msg", MessageFormat.System, text, null, null, null),
            incoming: false, command.Timestamp, new Sender(SenderKind.System, null), broadcast: false, internalNote: false, Delivery.Sent, effects);
}

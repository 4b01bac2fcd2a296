using LiveOrleans.Events;
using LiveOrleans.Queries;
using LiveOrleans.Validation;

namespace LiveOrleans.Grains;

// Interventions (SEMANTICS.md): checked and applied in one turn, so two supervisors can never both pause.
public sealed partial class SessionGrain
{
    public IReadOnlyList<InterventionView> Interventions => State.Audit;

    public InterventionResult Intervene(Intervene command, LiveOptions options)
    {
        var before = LiveState;
        if (State.State == LiveState.Ended)
            return Refused($"Session '{Key}' has ended; no intervention is possible.");
        switch (command.Type)
        {
            case InterventionType.Pause when State.State == LiveState.Paused:
                return Refused($"Session '{Key}' is already paused.");
            case InterventionType.Resume when State.State != LiveState.Paused:
                return Refused($"Session '{Key}' is not paused (it is {EnumNames<LiveState>.Name(LiveState)}); only a paused session can be resumed.");
        }

        var agentBefore = State.AgentId;
        switch (command.Type)
        {
            case InterventionType.Pause:
                State.State = LiveState.Paused;
                _streaming = false;
                SystemMessage(command, "This conversation is paused and will resume shortly.", options);
                break;
            case InterventionType.Resume:
                State.State = LiveState.Active;
                SystemMessage(command, "This conversation has resumed.", options);
                break;
            case InterventionType.SystemMessage:
                SystemMessage(command, command.Content!, options);
                break;
            case InterventionType.Transfer:
                var target = command.Target!;
                State.AgentId = target.AgentId;
                State.HandoffQueue = target.Queue;
                if (target.AgentId is not null) GetGrain<AgentGrain>(target.AgentId).Seen(null);
                SystemMessage(command, target.AgentId is not null ? "You are being transferred to another agent." : "You are being transferred to a member of our team.", options);
                Directory.Record(command.Timestamp, "transfer", Key, agentBefore,
                    $"Transferred to {target.AgentId ?? "queue " + target.Queue}: {command.Reason}", options.MaxActivityEntries);
                break;
            case InterventionType.Reassign:
                if (command.Target!.ChangesOwner) State.OwnerId = command.Target.OwnerId;
                if (command.Target.ChangesTeam) State.TeamId = command.Target.TeamId;
                if (State.OwnerId is not null) GetGrain<AgentGrain>(State.OwnerId).Seen(AgentKind.Human);
                break;
        }

        var entry = new InterventionView(command.InterventionId, Key, command.AdminId, command.Type, command.Reason, command.Timestamp,
            Tenant, command.Content, command.Target, command.Original);
        State.Audit.Add(entry);
        var directory = Directory;
        directory.Audited(entry);
        directory.Record(command.Timestamp, "intervention", Key, agentBefore,
            $"{EnumNames<InterventionType>.Name(command.Type)} by {command.AdminId}: {command.Reason}", options.MaxActivityEntries);
        // Silent monitoring tells nobody, the producer included.
        if (command.Type is not (InterventionType.CobrowseStart or InterventionType.CobrowseStop)) directory.IssueControl(entry, agentBefore);
        Publish(new InterventionRecorded(Tenant, entry));
        Alert(command.Timestamp, "info", "intervention", $"{EnumNames<InterventionType>.Name(command.Type)} of a conversation: {command.Reason}");
        if (command.Timestamp > State.LastActivityAt) State.LastActivityAt = command.Timestamp;
        PublishFacts();
        PublishChange(before);
        return new InterventionResult(entry, 201, null);
    }

    private static InterventionResult Refused(string detail) => new(null, 409, detail);

    /// <summary>A message of the business shown to the customer; it is the engine's, not a reply, so it changes no figure.</summary>
    private void SystemMessage(Intervene command, string text, LiveOptions options)
        => AddMessage(new MessageContent($"{command.InterventionId}-msg", MessageFormat.System, text, null, null, null),
            incoming: false, command.Timestamp, new Sender(SenderKind.System, null), broadcast: false, internalNote: false, Delivery.Sent, options);

    /// <summary>The reply streaming now, from token deltas (not durable).</summary>
    public string? StreamingText => _streamingText;

    /// <summary>Whether the agent's events are refused now.</summary>
    public bool IsPaused => State.State == LiveState.Paused;
}

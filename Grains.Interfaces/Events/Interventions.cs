namespace LiveOrleans.Events;

/// <summary>Where a transfer sends a session, or what a reassignment changes.</summary>
/// <param name="ChangesOwner">For reassign: whether <paramref name="OwnerId"/> was given (null then removes the owner).</param>
/// <param name="ChangesTeam">For reassign: whether <paramref name="TeamId"/> was given.</param>
[GenerateSerializer, Immutable]
public sealed record InterventionTarget(string? AgentId, string? Queue, string? OwnerId, string? TeamId, bool ChangesOwner, bool ChangesTeam);

/// <summary>
/// A supervisor's (or an internal service's) intervention in a session. Its id and time are decided by the caller,
/// so the audit entry is what the caller answered; the session grain writes it to its log and to the audit table
/// in one transaction, and a replay of the log gives the same entry.
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record InterventionCommand
{
    /// <summary><c>int_</c> followed by at least 8 random characters.</summary>
    public required string InterventionId { get; init; }

    /// <summary>When it was accepted (server clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Who intervened: a person's user id, or an internal service's identity.</summary>
    public required string AdminId { get; init; }

    public required InterventionType Type { get; init; }

    /// <summary>Why, for the audit log; never empty.</summary>
    public required string Reason { get; init; }

    /// <summary>The text of a system message or of an override, a guidance's note to the agent, or a handback's optional note (never shown to the customer).</summary>
    public string? Content { get; init; }

    public InterventionTarget? Target { get; init; }

    /// <summary>For a takeover: the name of the person taking the conversation (who acts), as the card shows it.</summary>
    public string? HolderName { get; init; }

    /// <summary>For a handback: the person acting is an admin, who may hand back a conversation someone else holds.</summary>
    public bool ByAdmin { get; init; }

    /// <summary>For an override: the reply being streamed when the session took the command (set by the session grain: deltas are not logged).</summary>
    public string? Original { get; init; }
}

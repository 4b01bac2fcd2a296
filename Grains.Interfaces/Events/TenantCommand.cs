using System.Text.Json.Serialization;

namespace LiveOrleans.Events;

/// <summary>
/// A change made by a person or service (not a producer event) that grains must see in log order, so that
/// replaying the log gives the same state: tenant settings, agent and team directory entries and, later,
/// interventions.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "command")]
[JsonDerivedType(typeof(ConfigureTenant), "configure_tenant")]
[JsonDerivedType(typeof(ConfigureAgent), "configure_agent")]
[JsonDerivedType(typeof(ConfigureTeam), "configure_team")]
[JsonDerivedType(typeof(Intervene), "intervene")]
[JsonDerivedType(typeof(AcknowledgeControl), "acknowledge_control")]
public abstract record TenantCommand
{
    /// <summary>When the command was accepted (server clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

public sealed record ConfigureTenant : TenantCommand
{
    public string? Name { get; init; }
    public string? TimeZone { get; init; }

    /// <summary>A conversation waiting for a first response this long raises an alert.</summary>
    public int? WaitingAlertSeconds { get; init; }
}

public sealed record ConfigureAgent : TenantCommand
{
    public required string AgentId { get; init; }
    public required string Name { get; init; }
    public required AgentKind Kind { get; init; }
    public required IReadOnlyList<string> Teams { get; init; }
    public string? Color { get; init; }
}

/// <summary>Where a transfer sends a session, or what a reassignment changes.</summary>
/// <param name="ChangesOwner">For reassign: whether <paramref name="OwnerId"/> was given (null then removes the owner).</param>
/// <param name="ChangesTeam">For reassign: whether <paramref name="TeamId"/> was given.</param>
public sealed record InterventionTarget(string? AgentId, string? Queue, string? OwnerId, string? TeamId, bool ChangesOwner, bool ChangesTeam);

/// <summary>A supervisor's intervention; its id and time are decided at the edge so a replay gives the same audit entry.</summary>
public sealed record Intervene : TenantCommand
{
    public required string InterventionId { get; init; }
    public required string SessionId { get; init; }
    public required string AdminId { get; init; }
    public required InterventionType Type { get; init; }
    public required string Reason { get; init; }
    public string? Content { get; init; }
    public InterventionTarget? Target { get; init; }

    /// <summary>For an override: the reply being streamed when the supervisor acted (read at the edge: deltas are not logged).</summary>
    public string? Original { get; init; }
}

/// <summary>A producer acknowledged a control command.</summary>
public sealed record AcknowledgeControl : TenantCommand
{
    public required string InterventionId { get; init; }
}

public sealed record ConfigureTeam : TenantCommand
{
    public required string TeamId { get; init; }
    public required string Name { get; init; }
}

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

public sealed record ConfigureTeam : TenantCommand
{
    public required string TeamId { get; init; }
    public required string Name { get; init; }
}

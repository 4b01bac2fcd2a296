namespace LiveOrleans;

/// <summary>A tenant's settings as grains use them.</summary>
/// <param name="TimeZone">IANA time zone that decides "today" and the hours of the chart.</param>
/// <param name="WaitingAlertSeconds">A conversation waiting this long for a first response raises an alert.</param>
[GenerateSerializer, Immutable]
public sealed record TenantSettings(string? Name, string TimeZone, int WaitingAlertSeconds)
{
    public const int DefaultWaitingAlertSeconds = 300;

    public static readonly TenantSettings Default = new(null, "UTC", DefaultWaitingAlertSeconds);
}

/// <summary>A change of tenant settings; absent values stay as they are.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantSettingsUpdate(string? Name, string? TimeZone, int? WaitingAlertSeconds);

/// <summary>An administrator's settings of an agent; they win over what events say.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentConfiguration(string Name, AgentKind Kind, IReadOnlyList<string> Teams, string? Color);

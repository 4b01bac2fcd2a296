using LiveOrleans.Queries;

namespace LiveOrleans.Grains;

/// <summary>What grains publish when something a dashboard shows changed (not durable; see Grain.Publish).</summary>
public abstract record LiveNotification(string Tenant);

/// <summary>A session's card, figures or membership in a filter may have changed.</summary>
public sealed record SessionChanged(string Tenant, string SessionId) : LiveNotification(Tenant);

/// <summary>A message was added to a session's transcript.</summary>
public sealed record MessageRecorded(string Tenant, string SessionId, MessageView Message) : LiveNotification(Tenant);

/// <summary>A session's live state changed.</summary>
public sealed record SessionStateChanged(string Tenant, string SessionId, LiveState State) : LiveNotification(Tenant);

/// <summary>A new activity-log entry.</summary>
public sealed record ActivityRecorded(string Tenant, ActivityEntry Entry) : LiveNotification(Tenant);

/// <summary>An alert rule fired.</summary>
public sealed record AlertRaised(string Tenant, AlertView Alert) : LiveNotification(Tenant);

/// <summary>A control command for the producer that runs a session's agent.</summary>
public sealed record ControlIssued(string Tenant, ControlCommand Command) : LiveNotification(Tenant);

/// <summary>An intervention was recorded (for watchers of its session).</summary>
public sealed record InterventionRecorded(string Tenant, InterventionView Entry) : LiveNotification(Tenant);

/// <summary>Tenant-wide data changed (settings, agents, teams).</summary>
public sealed record TenantChanged(string Tenant) : LiveNotification(Tenant);

namespace LiveOrleans.Queries;

// Response shapes of the live queries (docs/contract.md). They are also the hub payloads.

/// <summary>Live metrics summary of the inbox view.</summary>
[GenerateSerializer, Immutable]
public sealed record SummaryView(
    string Day,
    string TimeZone,
    DateTimeOffset AsOf,
    int ActiveConversations,
    int WaitingForFirstResponse,
    int Assigned,
    int Unassigned,
    int Open,
    int Closed);

/// <summary>Conversations initiated per local hour of today.</summary>
[GenerateSerializer, Immutable]
public sealed record HourlyView(string Day, string TimeZone, IReadOnlyList<int> Hours);

/// <summary>One row of the agents panel.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentView(
    string Id,
    string Name,
    AgentKind Kind,
    AgentStatus Status,
    IReadOnlyList<string> Teams,
    DateTimeOffset? LastMessageAt,
    int LiveSessions,
    string? Color);

/// <summary>The agents panel with its counters.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentsView(int Online, int Offline, IReadOnlyList<AgentView> Agents);

/// <summary>Metrics bar of the AI-agent view. <c>AvgResponseTimeMs</c> is null when no reply fell in the window.</summary>
[GenerateSerializer, Immutable]
public sealed record MetricsView(int LiveSessions, int StartedLastHour, double? AvgResponseTimeMs, double InterventionRate);

/// <summary>A session card.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionCard(
    string SessionId,
    string? AgentId,
    string? AgentName,
    string? AgentColor,
    string? Channel,
    UserView User,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActivityAt,
    LiveState State,
    Priority Priority,
    string Preview,
    string? OwnerId,
    string? TeamId,
    ConversationStatus Status,
    bool WaitingForFirstResponse,
    DateTimeOffset? EndedAt,
    string? EndReason = null,
    SessionHolder? HeldBy = null);

/// <summary>The person who took a conversation over (docs/semantics.md, Interventions, <c>takeover</c>): the AI agent's replies are refused until a handback.</summary>
/// <param name="Name">Their name when they took it over (null when the people list did not know it).</param>
[GenerateSerializer, Immutable]
public sealed record SessionHolder(string UserId, string? Name, DateTimeOffset Since);

[GenerateSerializer, Immutable]
public sealed record UserView(string? Id, string? Name);

/// <summary>A page of session cards, most recent activity first.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionsPage(int Total, IReadOnlyList<SessionCard> Items, string? NextCursor);

/// <summary>A message of a session's transcript.</summary>
[GenerateSerializer, Immutable]
public sealed record MessageView(
    string Id,
    string Direction,
    DateTimeOffset At,
    MessageFormat Format,
    string? Text,
    IReadOnlyList<Events.Attachment>? Attachments,
    string? Speaker,
    double? Confidence,
    Events.Sender? Sender,
    bool Broadcast,
    bool InternalNote,
    Delivery? Delivery);

/// <summary>
/// A session's card, a page of its transcript (oldest first) and a page of its interventions: the newest ones, oldest
/// first within the page; <paramref name="OlderInterventionsCursor"/> asks for the page before (null when there is none).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionDetail(
    SessionCard Card,
    StreamState StreamState,
    IReadOnlyList<MessageView> Messages,
    string? NextCursor,
    int TotalMessages,
    IReadOnlyList<InterventionView> Interventions,
    int TotalInterventions,
    string? OlderInterventionsCursor);

/// <summary>An audit entry of an intervention; never updated nor deleted.</summary>
/// <param name="Original">For an override: the reply it discarded, when the engine had it.</param>
[GenerateSerializer, Immutable]
public sealed record InterventionView(
    string InterventionId,
    string SessionId,
    string AdminId,
    InterventionType Type,
    string Reason,
    DateTimeOffset Timestamp,
    string Tenant,
    string? Content,
    Events.InterventionTarget? Target,
    string? Original);

/// <summary>What the producer running a session's agent must do; <paramref name="Sequence"/> orders the tenant's commands (the SSE event id).</summary>
/// <param name="Holder">For a takeover: the person whose replies go through from now on.</param>
[GenerateSerializer, Immutable]
public sealed record ControlCommand(
    long Sequence,
    string InterventionId,
    string SessionId,
    string? AgentId,
    InterventionType Type,
    string? Content,
    Events.InterventionTarget? Target,
    SessionHolder? Holder = null);

/// <summary>Why an intervention was refused.</summary>
[GenerateSerializer]
public enum InterventionRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The session does not exist.</summary>
    UnknownSession,

    /// <summary>The session's state does not allow it (ended; already paused; not paused; held by someone else; not held).</summary>
    NotAllowed,

    /// <summary>A handback by someone who neither holds the conversation nor is an admin.</summary>
    NotHolder,
}

/// <summary>The answer to an intervention: the audit entry, or why it was refused.</summary>
[GenerateSerializer, Immutable]
public sealed record InterventionOutcome(InterventionView? Entry, InterventionRefusal Refusal, string? Detail)
{
    public static InterventionOutcome Refused(InterventionRefusal refusal, string detail) => new(null, refusal, detail);
}

/// <summary>An alert for dashboards: a new urgent session, an error, a customer waiting too long, an intervention.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertView(string Id, DateTimeOffset At, string Severity, string Kind, string? SessionId, string Text);

/// <summary>One entry of the activity log.</summary>
[GenerateSerializer, Immutable]
public sealed record ActivityEntry(string Id, DateTimeOffset At, string Type, string? SessionId, string? AgentId, string Summary);

/// <summary>A page of the activity log, newest first.</summary>
[GenerateSerializer, Immutable]
public sealed record ActivityPage(IReadOnlyList<ActivityEntry> Items, string? NextBefore);

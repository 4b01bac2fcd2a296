using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace LiveOrleans.Live;

// The hubs' method names, in the one place the Api, the .NET SDK and the .NET tests share (docs/hubs.md). The client
// interfaces' methods are named exactly as they go on the wire, camelCase, because the JavaScript dashboard listens
// for those names and the .NET client matches them case-sensitively; take them with nameof, never as literals.

/// <summary>What <c>/hubs/live</c> pushes to a dashboard connection (docs/hubs.md).</summary>
[SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "Named as on the wire.")]
public interface ILiveClient
{
    /// <summary>Subscriptions with ticks: what changed on the screen (the SDK reads it as <c>DashboardTick</c>).</summary>
    Task tick(JsonElement frame);

    /// <summary>First form: today's summary changed.</summary>
    Task summary(SummaryView summary);

    /// <summary>First form: the hourly chart changed.</summary>
    Task hourly(HourlyView hourly);

    /// <summary>First form: the agents panel changed.</summary>
    Task agents(AgentsView agents);

    /// <summary>First form: the metrics bar changed.</summary>
    Task metrics(MetricsView metrics);

    /// <summary>First form: a card entered the filter or changed in it.</summary>
    Task sessionUpserted(SessionCard card);

    /// <summary>First form: a card left the filter.</summary>
    Task sessionRemoved(string sessionId);

    /// <summary>First form: a new activity-log entry in scope.</summary>
    Task activity(ActivityEntry entry);

    /// <summary>An alert for a session in scope.</summary>
    Task alert(AlertView alert);

    /// <summary>Watched sessions: a message was added.</summary>
    Task message(string sessionId, MessageView message);

    /// <summary>Watched sessions: a token delta of a reply.</summary>
    Task token(string sessionId, string messageId, string delta, int index);

    /// <summary>Watched sessions: the live state changed.</summary>
    Task sessionState(string sessionId, LiveState state);

    /// <summary>Watched sessions: an intervention's audit entry (on the wire with <c>adminName</c>).</summary>
    Task intervention(InterventionView entry);

    /// <summary>Watched sessions: the whole list of the people watching it.</summary>
    Task presence(string sessionId, IReadOnlyList<SessionWatcher> watchers);

    /// <summary>First form: the number of people watching a session in scope (0 when the last one left).</summary>
    Task watcherCount(string sessionId, int count);
}

/// <summary>What <c>/hubs/runtime</c> pushes to a producer connection.</summary>
[SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "Named as on the wire.")]
public interface IRuntimeClient
{
    /// <summary>A control command of the tenant's interventions, until the producer acknowledges it.</summary>
    Task control(ControlPayload command);
}

/// <summary>The methods a dashboard calls on <c>/hubs/live</c>.</summary>
public static class LiveHubMethods
{
    public const string Subscribe = nameof(Subscribe);
    public const string WatchSession = nameof(WatchSession);
    public const string UnwatchSession = nameof(UnwatchSession);
    public const string Ping = nameof(Ping);
}

/// <summary>The methods a producer calls on <c>/hubs/runtime</c>.</summary>
public static class RuntimeHubMethods
{
    public const string Publish = nameof(Publish);
    public const string Ack = nameof(Ack);
}

/// <summary>The contract's shape of a control command: <c>{interventionId, sessionId, agentId, type, content?, target?}</c>.</summary>
public sealed record ControlPayload(string InterventionId, string SessionId, string? AgentId, InterventionType Type, string? Content, object? Target)
{
    public static ControlPayload From(ControlCommand c) => new(c.InterventionId, c.SessionId, c.AgentId, c.Type, c.Content, TargetOf(c));

    private static object? TargetOf(ControlCommand c) => c.Target switch
    {
        null when c.Holder is { } holder => new { userId = holder.UserId, name = holder.Name },
        null => null,
        { AgentId: { } agent } => new { agentId = agent },
        { Queue: { } queue } => new { queue },
        var t => new { ownerId = t.OwnerId, teamId = t.TeamId },
    };
}

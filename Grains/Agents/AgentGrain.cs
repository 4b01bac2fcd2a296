using LiveOrleans.Events;
using LiveOrleans.Queries;
using LiveOrleans.Runtime;

namespace LiveOrleans.Grains;

/// <summary>
/// An agent (AI or human): directory fields, presence and the time of its last business reply.
/// Presence is derived when read: online while the last presence signal is newer than the last explicit
/// offline and younger than the presence time-out.
/// </summary>
[GrainType("agent")]
public sealed class AgentGrain : Grain<AgentGrain.AgentState>
{
    public sealed class AgentState
    {
        public string? Name { get; set; }
        public AgentKind? Kind { get; set; }
        public bool Configured { get; set; }
        public List<string> Teams { get; set; } = [];
        public string? Color { get; set; }
        public DateTimeOffset? LastSignalAt { get; set; }
        public DateTimeOffset? OfflineAt { get; set; }
        public DateTimeOffset? LastMessageAt { get; set; }
    }

    public string Name => State.Name ?? Key;

    public AgentKind Kind => State.Kind ?? AgentKind.Human;

    public IReadOnlyList<string> Teams => State.Teams;

    /// <summary>The configured colour, or a stable one picked from the agent's id.</summary>
    public string Color => State.Color ?? AgentColors.For(Key);

    /// <summary>Makes sure the agent is known; a guess at its kind never overrides what it was told.</summary>
    public void Seen(AgentKind? likelyKind)
    {
        if (State.Kind is null && likelyKind is not null) State.Kind = likelyKind;
        GetGrain<TenantGrain>(TenantGrain.DirectoryKey).RegisterAgent(Key);
    }

    /// <summary>Every event an agent sends is a presence signal.</summary>
    public void PresenceSignal(DateTimeOffset at)
    {
        if (State.LastSignalAt is null || at > State.LastSignalAt) State.LastSignalAt = at;
    }

    /// <summary>The last successfully sent business reply by this agent (any day).</summary>
    public void MessageSent(DateTimeOffset at)
    {
        if (State.LastMessageAt is null || at > State.LastMessageAt) State.LastMessageAt = at;
    }

    public void StatusChanged(AgentStatusChanged e)
    {
        Seen(e.Kind);
        if (e.Kind is not null && !State.Configured) State.Kind = e.Kind;
        if (e.Name is not null && !State.Configured) State.Name = e.Name;
        if (e.Teams is not null && !State.Configured) State.Teams = [.. e.Teams];
        if (e.Status == AgentStatus.Online) PresenceSignal(e.Timestamp);
        else if (State.OfflineAt is null || e.Timestamp > State.OfflineAt) State.OfflineAt = e.Timestamp;
        Publish(new TenantChanged(Tenant));
    }

    /// <summary>An administrator's settings win over what events say.</summary>
    public void Configure(ConfigureAgent command)
    {
        Seen(command.Kind);
        State.Configured = true;
        State.Name = command.Name;
        State.Kind = command.Kind;
        State.Teams = [.. command.Teams];
        State.Color = command.Color;
        Publish(new TenantChanged(Tenant));
    }

    public AgentStatus StatusAt(DateTimeOffset now, TimeSpan presenceTimeout)
    {
        var signal = State.LastSignalAt;
        if (signal is null) return AgentStatus.Offline;
        if (State.OfflineAt is { } offline && offline >= signal) return AgentStatus.Offline;
        return now - signal.Value < presenceTimeout ? AgentStatus.Online : AgentStatus.Offline;
    }

    public AgentView View(DateTimeOffset now, TimeSpan presenceTimeout, int liveSessions)
        => new(Key, Name, Kind, StatusAt(now, presenceTimeout), State.Teams, State.LastMessageAt, liveSessions, Color);
}

/// <summary>A palette for agents without a configured colour; the pick is stable for an id.</summary>
public static class AgentColors
{
    private static readonly string[] Palette =
        ["#4f7cff", "#22a06b", "#e5604c", "#a259ff", "#f5a623", "#00a3bf", "#d6457b", "#6b778c"];

    public static string For(string agentId) => Palette[new PartitionMap(Palette.Length).Of(agentId)];
}

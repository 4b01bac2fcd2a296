using LiveOrleans.Grains.Derived;
using LiveOrleans.Live;

namespace LiveOrleans.Grains.Agents;

/// <summary>What an agent grain keeps: its directory fields, presence times and its last business reply.</summary>
[GenerateSerializer]
public sealed class AgentState : IDerivedState
{
    [Id(0)] public long CoveredPosition { get; set; }
    [Id(1)] public bool Clean { get; set; }

    /// <summary>The last position of the agent's own log stream applied.</summary>
    [Id(2)] public long AppliedPosition { get; set; }

    [Id(3)] public string? Name { get; set; }
    [Id(4)] public AgentKind? Kind { get; set; }
    [Id(5)] public bool Configured { get; set; }
    [Id(6)] public List<string> Teams { get; set; } = [];
    [Id(7)] public string? Color { get; set; }
    [Id(8)] public DateTimeOffset? LastSignalAt { get; set; }
    [Id(9)] public DateTimeOffset? OfflineAt { get; set; }
    [Id(10)] public DateTimeOffset? LastMessageAt { get; set; }
    [Id(11)] public RecoveryProgress? Recovery { get; set; }

    /// <summary>The agent's record as the agents panel shows it.</summary>
    public AgentRecord Record(string id) => new(id, Name ?? id, Kind ?? AgentKind.Human, [.. Teams], Color ?? AgentColors.For(id),
        LastSignalAt, OfflineAt, LastMessageAt);

    /// <summary>Makes a guess at the kind unless it is known.</summary>
    public void Seen(AgentKind? likelyKind)
    {
        if (Kind is null && likelyKind is not null) Kind = likelyKind;
    }

    /// <summary>What a session says about the agent: the newest times win.</summary>
    public void Merge(AgentSignal signal)
    {
        Seen(signal.KindHint);
        if (signal.PresenceAt is { } presence && (LastSignalAt is null || presence > LastSignalAt)) LastSignalAt = presence;
        if (signal.MessageAt is { } message && (LastMessageAt is null || message > LastMessageAt)) LastMessageAt = message;
    }

    /// <summary>The agent's own status event; what it says of name, kind and teams counts until an administrator configures the agent.</summary>
    public void Apply(AgentStatusChanged e)
    {
        Seen(e.Kind);
        if (e.Kind is not null && !Configured) Kind = e.Kind;
        if (e.Name is not null && !Configured) Name = e.Name;
        if (e.Teams is not null && !Configured) Teams = [.. e.Teams];
        if (e.Status == AgentStatus.Online)
        {
            if (LastSignalAt is null || e.Timestamp > LastSignalAt) LastSignalAt = e.Timestamp;
        }
        else if (OfflineAt is null || e.Timestamp > OfflineAt)
        {
            OfflineAt = e.Timestamp;
        }
    }

    public void Configure(AgentConfiguration configuration)
    {
        Configured = true;
        Name = configuration.Name;
        Kind = configuration.Kind;
        Teams = [.. configuration.Teams];
        Color = configuration.Color;
    }
}

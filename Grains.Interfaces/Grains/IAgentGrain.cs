using LiveOrleans.Live;

namespace LiveOrleans.Grains;

/// <summary>
/// An agent (key <c>{tenant}/{agentId}</c>): directory fields, presence and the time of its last business reply.
/// Its own events (<c>agent_status_changed</c>) are on its log stream; what sessions say about it arrives as signals.
/// </summary>
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Stores and applies the agent's status events; answers (accepted, duplicates) and the record.</summary>
    Task<AgentIngestResult> Ingest(IReadOnlyList<Events.AgentStatusChanged> events);

    /// <summary>Merges what a session says about the agent (newest times win).</summary>
    Task<AgentRecord> Signal(AgentSignal signal);

    /// <summary>An administrator's settings; they win over what events say.</summary>
    Task<AgentRecord> Configure(AgentConfiguration configuration);

    [ReadOnly]
    Task<AgentRecord> GetRecord();
}

[GenerateSerializer, Immutable]
public sealed record AgentIngestResult(int Accepted, int Duplicates, AgentRecord Record);

using LiveOrleans.Events;
using LiveOrleans.Live;

namespace LiveOrleans.Grains;

/// <summary>
/// The way in for a tenant's events and interventions (key: the tenant id; one activation, on the silo that owns
/// the tenant, with the tenant's other grains). It hands each session and agent its share, then sends what changed
/// to the derived grains in one call per grain, and answers once everything is durable and applied.
/// </summary>
public interface IIngestGrain : IGrainWithStringKey
{
    /// <summary>A validated batch. Sessions that are paused refuse their share; the others' events are stored.</summary>
    Task<IngestResult> Ingest(IReadOnlyList<LiveEvent> events);

    /// <summary>An intervention in a session, with its effects on the derived grains and its control command.</summary>
    Task<InterventionOutcome> Intervene(string sessionId, InterventionCommand command);

    /// <summary>An administrator's settings of an agent, carried to the tenant's directory.</summary>
    Task<Live.AgentRecord> ConfigureAgent(string agentId, AgentConfiguration configuration);
}

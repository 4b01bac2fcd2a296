using LiveOrleans.Live;

namespace LiveOrleans.Grains;

/// <summary>
/// One conversation (key <c>{tenant}/{sessionId}</c>): its fields, bounded transcript, live state machine and
/// interventions. It is the one writer of its own log stream: it appends its events durably, then applies them,
/// so its state is its log's, wherever Orleans activates it.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Stores and applies the session's share of a batch; a paused session refuses the whole share when it holds agent events.</summary>
    Task<SessionIngestResult> Ingest(SessionBatch batch);

    /// <summary>
    /// Checks and applies an intervention in one turn; the audit entry is durable when this completes. The changes'
    /// days are those of the tenant's <paramref name="timeZone"/>.
    /// </summary>
    Task<SessionInterventionResult> Intervene(InterventionCommand command, string timeZone);

    /// <summary>
    /// The card (without agent name and colour), a page of the transcript (<paramref name="limit"/> messages from the
    /// absolute index <paramref name="from"/>) and a page of the interventions: the newest <paramref name="interventionLimit"/>
    /// of those before the absolute index <paramref name="interventionsBefore"/> (all when null); null when the session does not exist.
    /// </summary>
    [ReadOnly]
    Task<SessionDetail?> GetDetail(int limit, int from, int interventionLimit, int? interventionsBefore);

    /// <summary>
    /// Everything the session contributes to derived grains now, its days in <paramref name="timeZone"/> (the tenant's;
    /// null: the zone the session was last given); null when the session does not exist.
    /// </summary>
    [ReadOnly]
    Task<SessionChanges?> GetFacts(string? timeZone);

    /// <summary>Publishes messages, tokens, state changes and interventions on the session's watch stream for <paramref name="lease"/>.</summary>
    Task Watch(TimeSpan lease);
}

/// <summary>What an intervention did: the outcome, what changed for the derived grains, and the control command for the producer.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionInterventionResult(InterventionOutcome Outcome, SessionChanges? Changes, ControlCommand? Control);

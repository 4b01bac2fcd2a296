using LiveOrleans.Live;

namespace LiveOrleans.Grains.Ingest;

/// <summary>
/// A tenant's way in, one reentrant activation on the silo that owns the tenant (<see cref="TenantPlacement"/>: a
/// stateless worker would activate on whichever silo a client's call enters, and every share of the batch would then
/// cross to the tenant's silo). It gives each session and agent its share of a batch, then sends what changed to the
/// derived grains — one call per tenant-day, index shard and agent, so a batch of many sessions costs a handful of
/// derived calls — and answers once all of it is durable and applied.
/// </summary>
[TenantPlacement]
[Reentrant]
public sealed class IngestGrain(LiveChangeDispatcher dispatcher, IEventLog log, Microsoft.Extensions.Options.IOptions<LiveOptions> options) : Grain, IIngestGrain
{
    private static readonly TimeSpan LiveCountAge = TimeSpan.FromSeconds(1);
    private readonly LiveOptions _options = options.Value;
    private int _liveSessions;
    private long? _countedAt;

    private string Tenant => this.GetPrimaryKeyString();

    /// <summary>Whether new sessions may start: the tenant's live sessions (counted by its index shards, at most a second ago) are under the cap.</summary>
    private async ValueTask<bool> MayStartSessionsAsync()
    {
        if (_options.MaxLiveSessionsPerTenant <= 0) return true;
        if (_countedAt is not { } counted || System.Diagnostics.Stopwatch.GetElapsedTime(counted) >= LiveCountAge)
        {
            var counts = await Task.WhenAll(Enumerable.Range(0, _options.IndexShards)
                .Select(s => GrainFactory.GetGrain<ILiveIndexGrain>(LiveKeys.Of(Tenant, s.ToString(System.Globalization.CultureInfo.InvariantCulture))).LiveSessions()));
            _liveSessions = counts.Sum();
            _countedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        return _liveSessions < _options.MaxLiveSessionsPerTenant;
    }

    public async Task<IngestResult> Ingest(IReadOnlyList<LiveEvent> events)
    {
        if (log.IsOverloaded) throw new OverloadedException(TimeSpan.FromSeconds(1));
        var settings = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetSettings();
        var mayStart = await MayStartSessionsAsync();

        var sessions = new Dictionary<string, List<LiveEvent>>(StringComparer.Ordinal);
        var agents = new Dictionary<string, List<AgentStatusChanged>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e is AgentStatusChanged status)
            {
                if (!agents.TryGetValue(status.AgentId, out var list)) agents[status.AgentId] = list = [];
                list.Add(status);
            }
            else
            {
                if (!sessions.TryGetValue(e.SessionId!, out var list)) sessions[e.SessionId!] = list = [];
                list.Add(e);
            }
        }

        var sessionCalls = sessions.Select(s => GrainFactory.GetGrain<ISessionGrain>(LiveKeys.Of(Tenant, s.Key)).Ingest(new SessionBatch(s.Value, settings.TimeZone, mayStart))).ToArray();
        var agentCalls = agents.Select(a => GrainFactory.GetGrain<IAgentGrain>(LiveKeys.Of(Tenant, a.Key)).Ingest(a.Value)).ToArray();
        try
        {
            await Task.WhenAll(Task.WhenAll(sessionCalls), Task.WhenAll(agentCalls));
        }
        catch
        {
            // Some shares were stored and applied: their changes still go to the derived grains before the error is answered.
            await dispatcher.DispatchAsync(Tenant, Completed(sessionCalls).Select(r => r.Changes).OfType<SessionChanges>().ToArray(),
                Completed(agentCalls).Select(r => r.Record).ToArray());
            throw;
        }

        var results = sessionCalls.Select(c => c.Result).ToArray();
        var agentResults = agentCalls.Select(c => c.Result).ToArray();
        await dispatcher.DispatchAsync(Tenant, results.Select(r => r.Changes).OfType<SessionChanges>().ToArray(), agentResults.Select(r => r.Record).ToArray());

        var refused = new List<SessionRefusal>();
        int accepted = 0, duplicates = 0;
        var keys = sessions.Keys.ToArray();
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i].Refused is { } reason) refused.Add(new SessionRefusal(keys[i], reason, results[i].RefusedAs));
            accepted += results[i].Accepted;
            duplicates += results[i].Duplicates;
        }
        foreach (var result in agentResults)
        {
            accepted += result.Accepted;
            duplicates += result.Duplicates;
        }
        return new IngestResult(accepted, duplicates, refused);
    }

    public async Task<InterventionOutcome> Intervene(string sessionId, InterventionCommand command)
    {
        var settings = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetSettings();
        var result = await GrainFactory.GetGrain<ISessionGrain>(LiveKeys.Of(Tenant, sessionId)).Intervene(command, settings.TimeZone);
        if (result.Changes is { } changes) await dispatcher.DispatchAsync(Tenant, [changes], []);
        if (result.Control is { } control) await dispatcher.PublishAsync(Tenant, new ControlIssued(control));
        return result.Outcome;
    }

    public async Task<AgentRecord> ConfigureAgent(string agentId, AgentConfiguration configuration)
    {
        var record = await GrainFactory.GetGrain<IAgentGrain>(LiveKeys.Of(Tenant, agentId)).Configure(configuration);
        await GrainFactory.GetGrain<ITenantGrain>(Tenant).AgentsChanged([record]);
        return record;
    }

    private static IEnumerable<T> Completed<T>(IEnumerable<Task<T>> calls) => calls.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result);
}

using System.Text.Json;
using LiveOrleans.Grains.Derived;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Live;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Grains.Agents;

/// <summary>
/// An agent. Its own events (<c>agent_status_changed</c>) are on its log stream, appended here and replayed on
/// activation; what sessions say about it (presence, last reply) arrives as signals and is recovered like any
/// derived state; an administrator's settings are written at once.
/// </summary>
[TenantPlacement]
public sealed class AgentGrain(
    [PersistentState("agent", LiveStorage.Name)] IPersistentState<AgentState> stored,
    IEventLog log,
    IOptions<LiveOptions> options,
    TimeProvider leaseClock,
    ILogger<AgentGrain> logger) : DerivedGrain<AgentState>(stored, log, options.Value, leaseClock, logger), IAgentGrain
{
    private string Stream => LiveKeys.AgentStream(Id);

    protected override async Task OnLoadedAsync() => await CatchUpAsync();

    protected override async Task RecoverAsync(IReadOnlyList<string> changedStreams)
    {
        foreach (var facts in await SessionFactsAsync(changedStreams))
        {
            foreach (var signal in facts.Agents)
            {
                if (signal.AgentId == Id) State.Merge(signal);
            }
        }
        Changed();
    }

    public async Task<AgentIngestResult> Ingest(IReadOnlyList<AgentStatusChanged> events)
    {
        var appends = events.Select(e => new LogAppend(LogEntryKind.Event, e.Id, JsonSerializer.SerializeToUtf8Bytes<LiveEvent>(e, LiveJson.Options))).ToArray();
        var outcomes = await EventLog.AppendAsync(Tenant, Stream, appends);
        if (outcomes.Any(o => o.Duplicate && o.Position > State.AppliedPosition))
        {
            await CatchUpAsync();
        }
        else
        {
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i].Duplicate || outcomes[i].Position <= State.AppliedPosition) continue;
                // Applied from what the log holds, so the live state equals a replay's (timestamps to the millisecond).
                State.Apply((AgentStatusChanged)JsonSerializer.Deserialize<LiveEvent>(appends[i].Payload, LiveJson.Options)!);
                State.AppliedPosition = outcomes[i].Position;
            }
        }
        Changed();
        var duplicates = outcomes.Count(o => o.Duplicate);
        return new AgentIngestResult(events.Count - duplicates, duplicates, State.Record(Id));
    }

    public Task<AgentRecord> Signal(AgentSignal signal)
    {
        State.Merge(signal);
        Changed();
        return Task.FromResult(State.Record(Id));
    }

    public async Task<AgentRecord> Configure(AgentConfiguration configuration)
    {
        State.Configure(configuration);
        await WriteNowAsync();
        return State.Record(Id);
    }

    public Task<AgentRecord> GetRecord() => Task.FromResult(State.Record(Id));

    private async Task CatchUpAsync()
    {
        foreach (var record in await EventLog.ReadAsync(Tenant, Stream, State.AppliedPosition))
        {
            if (JsonSerializer.Deserialize<LiveEvent>(record.Payload, LiveJson.Options) is AgentStatusChanged e) State.Apply(e);
            State.AppliedPosition = record.Position;
            Changed();
        }
    }
}

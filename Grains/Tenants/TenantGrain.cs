using LiveOrleans.Grains.Derived;
using LiveOrleans.Live;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Grains.Tenants;

/// <summary>A tenant's settings, teams and agent directory.</summary>
[GenerateSerializer]
public sealed class TenantState : IDerivedState, IPublishedState
{
    [Id(0)] public long CoveredPosition { get; set; }
    [Id(1)] public bool Clean { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public TenantSettings Settings { get; set; } = TenantSettings.Default;
    [Id(4)] public Dictionary<string, string> Teams { get; set; } = [];
    [Id(5)] public Dictionary<string, AgentRecord> Agents { get; set; } = [];
    [Id(6)] public RecoveryProgress? Recovery { get; set; }
}

/// <summary>
/// The tenant: settings and teams (written at once), and the directory of its agents, which agent grains' records
/// keep current (written behind; after an unclean end, the agents ask again). Publishes every change on the
/// tenant stream.
/// </summary>
[TenantPlacement]
public sealed class TenantGrain(
    [PersistentState("tenant", LiveStorage.Name)] IPersistentState<TenantState> stored,
    IEventLog log,
    IOptions<LiveOptions> options,
    TimeProvider leaseClock,
    ILogger<TenantGrain> logger) : DerivedGrain<TenantState>(stored, log, options.Value, leaseClock, logger), ITenantGrain
{
    protected override async Task RecoverAsync(IReadOnlyList<string> changedStreams)
    {
        var agents = new HashSet<string>(State.Agents.Keys, StringComparer.Ordinal);
        foreach (var stream in changedStreams)
        {
            if (LiveKeys.AgentOfStream(stream) is { } agent) agents.Add(agent);
        }
        foreach (var facts in await SessionFactsAsync(changedStreams))
        {
            foreach (var signal in facts.Agents) agents.Add(signal.AgentId);
        }
        var records = await BoundedAsync([.. agents], a => GrainFactory.GetGrain<IAgentGrain>(LiveKeys.Of(Tenant, a)).GetRecord());
        foreach (var record in records) State.Agents[record.Id] = record;
        Changed();
        await PublishAsync(records);
    }

    public Task<TenantSettings> GetSettings() => Task.FromResult(State.Settings);

    public async Task<TenantSettings> Configure(TenantSettingsUpdate update)
    {
        var settings = State.Settings;
        State.Settings = settings with
        {
            Name = update.Name ?? settings.Name,
            TimeZone = update.TimeZone ?? settings.TimeZone,
            WaitingAlertSeconds = update.WaitingAlertSeconds ?? settings.WaitingAlertSeconds,
        };
        await WriteNowAsync();
        await PublishAsync([]);
        return State.Settings;
    }

    public async Task ConfigureTeam(string teamId, string name)
    {
        State.Teams[teamId] = name;
        await WriteNowAsync();
    }

    public async Task AgentsChanged(IReadOnlyList<AgentRecord> records)
    {
        var changed = new List<AgentRecord>(records.Count);
        var added = false;
        foreach (var given in records)
        {
            var record = given;
            if (State.Agents.TryGetValue(given.Id, out var old))
            {
                // Records of one agent can arrive out of order (two dispatches in flight while a tenant moves between
                // silos, a retried call): its times only move forward, as in the agent's own state; the rest is the
                // newest given.
                record = given with
                {
                    LastSignalAt = LiveTime.Later(old.LastSignalAt, given.LastSignalAt),
                    OfflineAt = LiveTime.Later(old.OfflineAt, given.OfflineAt),
                    LastMessageAt = LiveTime.Later(old.LastMessageAt, given.LastMessageAt),
                };
                if (RecordComparer.Equal(old, record)) continue;
            }
            else
            {
                added = true;
            }
            State.Agents[record.Id] = record;
            changed.Add(record);
        }
        if (changed.Count == 0) return;
        // A new agent is written at once: recovery asks the agents the snapshot knows, so it must know every one.
        if (added) await WriteNowAsync();
        else Changed();
        await PublishAsync(changed);
    }

    public Task<DirectorySnapshot> GetDirectory() => Task.FromResult(new DirectorySnapshot(State.Version, State.Settings, [.. State.Agents.Values]));

    private Task PublishAsync(IReadOnlyList<AgentRecord> agents) => PublishAsync(version => new DirectoryChanged(version, State.Settings, agents));

    /// <summary>Records hold lists: equal when every field and every team is.</summary>
    private static class RecordComparer
    {
        public static bool Equal(AgentRecord a, AgentRecord b)
            => a with { Teams = Array.Empty<string>() } == b with { Teams = Array.Empty<string>() } && a.Teams.SequenceEqual(b.Teams);
    }
}

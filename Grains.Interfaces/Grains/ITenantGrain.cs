using LiveOrleans.Live;

namespace LiveOrleans.Grains;

/// <summary>
/// A tenant (key: the tenant id): settings (name, time zone, alert threshold), teams, and the directory of its
/// agents that the agents panel reads (each agent's record, as its agent grain last reported it).
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Publishes this grain's changes on the tenant stream for <paramref name="lease"/>: an Api host with dashboards of
    /// the tenant renews it. Answers the version of the last change published, so the host can tell a replica that
    /// fell behind (a lost stream item, a snapshot that failed during a failover) and take a fresh snapshot.
    /// </summary>
    Task<long> Listen(TimeSpan lease);

    [ReadOnly]
    Task<TenantSettings> GetSettings();

    Task<TenantSettings> Configure(TenantSettingsUpdate update);

    Task ConfigureTeam(string teamId, string name);

    /// <summary>Agent grains' records, as they changed.</summary>
    Task AgentsChanged(IReadOnlyList<AgentRecord> records);

    [ReadOnly]
    Task<DirectorySnapshot> GetDirectory();
}

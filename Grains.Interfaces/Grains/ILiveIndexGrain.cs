using LiveOrleans.Live;
using LiveOrleans.Queries;

namespace LiveOrleans.Grains;

/// <summary>
/// A shard of a tenant's live index (key <c>{tenant}/{shard}</c>): the entries of its live and recently ended
/// sessions and their activity, what dashboards and the live queries read, so no query visits session grains.
/// Sessions are placed in shards by <see cref="LiveKeys.ShardOf"/>.
/// </summary>
public interface ILiveIndexGrain : IGrainWithStringKey
{
    /// <summary>
    /// Publishes this grain's changes on the tenant stream for <paramref name="lease"/>: an Api host with dashboards of
    /// the tenant renews it. Answers the version of the last change published, so the host can tell a replica that
    /// fell behind (a lost stream item, a snapshot that failed during a failover) and take a fresh snapshot.
    /// </summary>
    Task<long> Listen(TimeSpan lease);

    /// <summary>Takes changed entries, new activity and alerts; publishes them on the tenant stream.</summary>
    Task Apply(IndexUpdate update);

    /// <summary>How many live entries match, and the first <paramref name="limit"/> of them after <paramref name="after"/> in list order.</summary>
    [ReadOnly]
    Task<SessionPagePart> Page(LiveFilter filter, int limit, SessionListPosition? after);

    [ReadOnly]
    Task<MetricsPart> Metrics(LiveFilter filter);

    /// <summary>Sessions not ended, per agent.</summary>
    [ReadOnly]
    Task<IReadOnlyDictionary<string, int>> LiveSessionsByAgent();

    /// <summary>Sessions of this shard not ended (for the tenant's live-session cap).</summary>
    [AlwaysInterleave]
    Task<int> LiveSessions();

    /// <summary>Activity entries newest first, before the entry <paramref name="before"/>; <paramref name="visibility"/> restricts them to sessions an owner may see.</summary>
    [ReadOnly]
    Task<IReadOnlyList<ActivityEntry>> Activity(LiveFilter visibility, int limit, string? before);

    /// <summary>A page of the shard's entries (in list order) for a replica's snapshot; the first page carries the activity log.</summary>
    [ReadOnly]
    Task<IndexSnapshotPage> GetSnapshot(SessionListPosition? after, int max);
}

/// <summary>Changes for one shard from one batch.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexUpdate(
    IReadOnlyList<SessionEntry> Entries,
    IReadOnlyList<ActivityEntry> Activity,
    IReadOnlyList<AlertView> Alerts,
    IReadOnlyList<SessionLifecycle> Lifecycle);

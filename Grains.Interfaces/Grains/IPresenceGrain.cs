using LiveOrleans.Live;

namespace LiveOrleans.Grains;

/// <summary>
/// Who watches which session of a tenant (key: the tenant id), across every Api node. Each node reports its dashboard
/// connections' watches and renews a lease on them; a node that stops renewing (it died) loses its watches when the lease
/// ends. Every change of a session's watchers is published on the tenant stream as <see cref="PresenceChanged"/>.
/// Kept in memory only: an activation that starts again (its silo died) learns every node's watches at their next renewal.
/// </summary>
public interface IPresenceGrain : IGrainWithStringKey
{
    /// <summary>A connection of <paramref name="node"/> began watching; answers the session's watchers after it.</summary>
    Task<PresenceChanged> Join(string node, PresenceWatch watch, TimeSpan lease);

    /// <summary>A connection of <paramref name="node"/> stopped watching (unwatched, or closed).</summary>
    Task Leave(string node, string connectionId, string sessionId);

    /// <summary>
    /// Renews <paramref name="node"/>'s lease and replaces its watches with <paramref name="watches"/> (a node is the
    /// authority on its own connections); answers the whole presence of the tenant, so the node can mend a lost stream item.
    /// </summary>
    Task<PresenceSnapshot> Renew(string node, IReadOnlyList<PresenceWatch> watches, TimeSpan lease);
}

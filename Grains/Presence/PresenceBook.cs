using LiveOrleans.Live;

namespace LiveOrleans.Grains.Presence;

/// <summary>
/// A tenant's watchers, by node and connection: pure, it changes and answers which sessions' lists changed; the grain
/// around it publishes them. Leases are read on the clock the caller gives (the real one: they are about processes).
/// </summary>
public sealed class PresenceBook
{
    private sealed class Node
    {
        public DateTimeOffset LeaseEnds;
        public readonly Dictionary<(string ConnectionId, string SessionId), PresenceWatch> Watches = [];
    }

    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PresenceChanged> _sessions = new(StringComparer.Ordinal);

    /// <summary>Grows with every change; starts at the activation's time so a later activation never reuses a version.</summary>
    public long Version { get; private set; }

    public PresenceBook(long firstVersion) => Version = firstVersion;

    public PresenceChanged Of(string sessionId) => _sessions.GetValueOrDefault(sessionId) ?? new PresenceChanged(sessionId, 0, []);

    public PresenceSnapshot Snapshot() => new(Version, [.. _sessions.Values]);

    public IReadOnlyList<PresenceChanged> Join(string node, PresenceWatch watch, DateTimeOffset leaseEnds)
    {
        var n = NodeOf(node, leaseEnds);
        n.Watches[(watch.ConnectionId, watch.SessionId)] = watch;
        return Recount([watch.SessionId]);
    }

    public IReadOnlyList<PresenceChanged> Leave(string node, string connectionId, string sessionId)
        => _nodes.TryGetValue(node, out var n) && n.Watches.Remove((connectionId, sessionId)) ? Recount([sessionId]) : [];

    public IReadOnlyList<PresenceChanged> Renew(string node, IReadOnlyList<PresenceWatch> watches, DateTimeOffset leaseEnds)
    {
        var n = NodeOf(node, leaseEnds);
        var touched = new HashSet<string>(n.Watches.Keys.Select(k => k.SessionId), StringComparer.Ordinal);
        n.Watches.Clear();
        foreach (var watch in watches)
        {
            n.Watches[(watch.ConnectionId, watch.SessionId)] = watch;
            touched.Add(watch.SessionId);
        }
        return Recount(touched);
    }

    /// <summary>Drops the nodes whose lease ended (they stopped renewing: gone) with their watches.</summary>
    public IReadOnlyList<PresenceChanged> Expire(DateTimeOffset now)
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, node) in _nodes.Where(n => n.Value.LeaseEnds <= now).ToArray())
        {
            touched.UnionWith(node.Watches.Keys.Select(k => k.SessionId));
            _nodes.Remove(id);
        }
        return Recount(touched);
    }

    public bool IsEmpty => _nodes.Count == 0;

    private Node NodeOf(string id, DateTimeOffset leaseEnds)
    {
        if (!_nodes.TryGetValue(id, out var node)) _nodes[id] = node = new Node();
        node.LeaseEnds = leaseEnds;
        return node;
    }

    /// <summary>Recomputes the sessions' lists (a person once, since their first watch) and answers those that changed.</summary>
    private List<PresenceChanged> Recount(IEnumerable<string> sessions)
    {
        var changed = new List<PresenceChanged>();
        foreach (var session in sessions)
        {
            var watchers = _nodes.Values.SelectMany(n => n.Watches.Values).Where(w => w.SessionId == session)
                .GroupBy(w => w.UserId, StringComparer.Ordinal)
                .Select(g => new SessionWatcher(g.Key, g.OrderBy(w => w.Since).First().Name, g.Min(w => w.Since)))
                .OrderBy(w => w.Since).ThenBy(w => w.UserId, StringComparer.Ordinal)
                .ToArray();
            var old = _sessions.GetValueOrDefault(session);
            if (old is not null ? old.Watchers.SequenceEqual(watchers) : watchers.Length == 0) continue;
            var now = new PresenceChanged(session, ++Version, watchers);
            if (watchers.Length == 0) _sessions.Remove(session);
            else _sessions[session] = now;
            changed.Add(now);
        }
        return changed;
    }
}

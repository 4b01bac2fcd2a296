namespace LiveOrleans.Views.Index;

/// <summary>What a node gets when it opens a window: the window's screen as last published (or as built now, for a new one).</summary>
public sealed record WindowState(int Window, int Total, IReadOnlyList<SessionCard> Top, MetricsPart Metrics);

/// <summary>
/// A window's change since the last tick: the total, the cards that entered the top N or changed in it (the client
/// sorts them by <see cref="SessionRules.CompareForList"/>), the ids that left it, and the metrics when they changed.
/// </summary>
public sealed record WindowDelta(int Window, int Total, IReadOnlyList<SessionCard> Upserted, IReadOnlyList<string> Left, MetricsPart? Metrics);

/// <summary>One node's share of a tick: the deltas of the windows it holds that changed.</summary>
public sealed record NodeTick(DateTimeOffset Now, IReadOnlyList<WindowDelta> Windows);

/// <summary>
/// The windows a live-index shard keeps for the hosts (docs/runtime.md, Windows kept by the shard): per distinct
/// (filter key, size) the exact total, the metrics sum and the first matches in list order, kept up to date by the
/// changes the index sees (<see cref="Changed"/>) and by time alone (<see cref="SessionRules.NextChange"/>), and
/// published as one delta per window per <see cref="Tick"/>. Pure: no clock, no Orleans; the owner upserts the
/// <see cref="LiveIndex"/> first, then tells the book.
/// </summary>
/// <remarks>
/// Between ticks the book only records, per session, the entry it had at the last tick and the newest one. A tick
/// applies each such change to the windows that may select the old or the new entry (<see cref="GroupRouter"/>): the
/// old entry is judged at the last tick's time, the new one at the tick's. Every entry is scheduled at its next change
/// by time, so the entries that change with time alone are applied like any other. A new window is built after the
/// others are brought to its instant the same way (publishing nothing): every window always stands at the same time.
/// Windows with a duration filter select by time per filter: they are rebuilt from the index at every tick.
/// </remarks>
public sealed class WindowBook
{
    private readonly LiveIndex _index;
    private readonly TimeSpan _grace;
    private readonly TimeSpan _lease;
    private readonly Dictionary<(string Key, int Size), Window> _byKey = [];
    private readonly Dictionary<int, Window> _windows = [];
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly GroupRouter _router = new();
    private readonly Dictionary<string, (SessionEntry? First, SessionEntry? Last)> _pending = new(StringComparer.Ordinal);
    // When each session's state changes next by time alone; the queue may hold stale times (checked against _due).
    private readonly PriorityQueue<string, long> _schedule = new();
    private readonly Dictionary<string, long> _due = new(StringComparer.Ordinal);
    // Windows changed since the screens were published last.
    private readonly List<Window> _dirty = [];
    private int _nextId;
    private DateTimeOffset _last;

    /// <param name="index">The shard's index: upserted before each <see cref="Changed"/>.</param>
    /// <param name="grace">How long an ended session stays listed.</param>
    /// <param name="lease">How long a node's windows live without <see cref="Renew"/> or <see cref="Open"/>.</param>
    /// <param name="now">The time the index's entries are judged at until the first tick.</param>
    public WindowBook(LiveIndex index, TimeSpan grace, TimeSpan lease, DateTimeOffset now)
    {
        _index = index;
        _grace = grace;
        _lease = lease;
        _last = now;
        foreach (var entry in index.InListOrder()) Schedule(entry, now);
    }

    /// <summary>Windows held.</summary>
    public int Count => _windows.Count;

    /// <summary>Sessions waiting for a change by time.</summary>
    public int Scheduled => _due.Count;

    /// <summary>The reserve beyond N kept in the prefix, so that a refill is needed only after that many departures.</summary>
    public static int ReserveOf(int size) => Math.Max(1, size / 2);

    /// <summary>Joins the node to the window of (<paramref name="key"/>, <paramref name="size"/>), creating it from the index when new; renews the node's lease.</summary>
    /// <param name="key">Names the filter: equal keys must mean equal filters.</param>
    public WindowState Open(string key, LiveFilter filter, int size, string node, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Renew(node, now);
        if (!_byKey.TryGetValue((key, size), out var window))
        {
            // The others are brought to now first (unpublished), so that the new one, built now, stands at the same instant.
            Advance(now);
            window = new Window(_nextId++, key, filter, size);
            _byKey.Add((key, size), window);
            _windows.Add(window.Id, window);
            Rebuild(window, _last);
            window.Publish();
            if (!window.Timed) _router.Add(window);
        }
        window.Nodes.Add(node);
        _nodes[node].Windows.Add(window.Id);
        return new WindowState(window.Id, window.SentTotal, window.SentTopInOrder(), window.SentMetrics);
    }

    /// <summary>Extends the lease of the node's windows.</summary>
    public void Renew(string node, DateTimeOffset now)
    {
        if (!_nodes.TryGetValue(node, out var held)) _nodes.Add(node, held = new Node());
        held.Until = now + _lease;
    }

    public void Release(int window, string node)
    {
        if (_nodes.TryGetValue(node, out var held)) held.Windows.Remove(window);
        if (!_windows.TryGetValue(window, out var w)) return;
        w.Nodes.Remove(node);
        if (w.Nodes.Count > 0) return;
        _windows.Remove(window);
        _byKey.Remove((w.Key, w.Size));
        if (!w.Timed) _router.Remove(w);
    }

    /// <summary>Releases the windows of the nodes whose lease ran out.</summary>
    public void ExpireNodes(DateTimeOffset now)
    {
        foreach (var (node, held) in _nodes.Where(p => p.Value.Until <= now).ToList())
        {
            foreach (var window in held.Windows.ToList()) Release(window, node);
            _nodes.Remove(node);
        }
    }

    /// <summary>A session's entry changed in the index (old → new; null when absent). Of several changes before a tick, the first old counts.</summary>
    public void Changed(SessionEntry? old, SessionEntry? @new)
    {
        var id = (old ?? @new)?.SessionId;
        if (id is null) return;
        _pending[id] = _pending.TryGetValue(id, out var seen) ? (seen.First, @new) : (old, @new);
    }

    /// <summary>
    /// Brings every window to <paramref name="now"/> (not before the last tick): applies the changes since the last
    /// tick and those by time, refills the prefixes that ran short, and answers per node the deltas against the
    /// screens published before.
    /// </summary>
    public IReadOnlyDictionary<string, NodeTick> Tick(DateTimeOffset now)
    {
        Advance(now);
        now = _last;
        foreach (var window in _windows.Values)
        {
            if (!window.Timed) continue;
            Rebuild(window, now);
            MarkDirty(window);
        }
        var ticks = new Dictionary<string, List<WindowDelta>>(StringComparer.Ordinal);
        foreach (var window in _dirty)
        {
            window.Dirty = false;
            if (!_windows.ContainsKey(window.Id)) continue; // released since
            if (window.Prefix.Count < window.Size && window.Prefix.Count < window.Total) Refill(window, now);
            if (window.Delta() is not { } delta) continue;
            foreach (var node in window.Nodes)
            {
                if (!ticks.TryGetValue(node, out var list)) ticks.Add(node, list = []);
                list.Add(delta);
            }
        }
        _dirty.Clear();
        return ticks.ToDictionary(p => p.Key, p => new NodeTick(now, p.Value), StringComparer.Ordinal);
    }

    /// <summary>Applies the changes recorded since and those by time up to <paramref name="now"/> to every window, publishing nothing.</summary>
    private void Advance(DateTimeOffset now)
    {
        if (now < _last) now = _last;
        var prev = _last;
        // Entries whose state changes by time alone: a change from themselves to themselves.
        while (_schedule.TryPeek(out var id, out var at) && at <= now.UtcTicks)
        {
            _schedule.Dequeue();
            if (!_due.TryGetValue(id, out var due) || due != at) continue; // stale
            _due.Remove(id);
            if (_pending.ContainsKey(id)) continue;
            var entry = _index.Get(id);
            if (entry is not null) _pending[id] = (entry, entry);
        }
        foreach (var (id, (first, last)) in _pending)
        {
            if (last is null) _due.Remove(id);
            else Schedule(last, now);
            if (first is null && last is null) continue;
            foreach (var window in _router.Candidates(first, last))
            {
                if (Apply(window, first, prev, last, now)) MarkDirty(window);
            }
        }
        _pending.Clear();
        if (_schedule.Count > 2 * _due.Count + 1024) Compact();
        _last = now;
    }

    private void MarkDirty(Window window)
    {
        if (window.Dirty) return;
        window.Dirty = true;
        _dirty.Add(window);
    }

    /// <summary>The window's prefix: the first matches in list order, at the last tick (for tests).</summary>
    internal IReadOnlyList<SessionEntry> PrefixOf(int window) => [.. _windows[window].Prefix];

    internal (int Total, MetricsPart Metrics) FiguresOf(int window) => (_windows[window].Total, _windows[window].Metrics);

    /// <summary>One change applied to one window; whether it could touch it.</summary>
    private bool Apply(Window w, SessionEntry? old, DateTimeOffset prev, SessionEntry? @new, DateTimeOffset now)
    {
        var matchedOld = old is { BroadcastOnly: false } && SessionRules.Matches(old, w.Filter, prev);
        var matchesNew = @new is { BroadcastOnly: false } && SessionRules.Matches(@new, w.Filter, now);
        if (!matchedOld && !matchesNew) return false;
        if (matchedOld)
        {
            w.Metrics = w.Metrics.Subtract(SessionRules.Metrics(old!, prev, _grace));
            if (SessionRules.IsListed(old!, prev, _grace))
            {
                w.Total--;
                w.Prefix.Remove(old!);
            }
        }
        if (matchesNew)
        {
            w.Metrics = w.Metrics.Add(SessionRules.Metrics(@new!, now, _grace));
            if (SessionRules.IsListed(@new!, now, _grace))
            {
                // The prefix is the first P matches: the new one belongs in it when the prefix holds every match, or when it sorts before the tail.
                if (w.Prefix.Count == w.Total || (w.Prefix.Count > 0 && SessionRules.CompareForList(@new!.Card, w.Prefix.Max!.Card) < 0))
                {
                    w.Prefix.Add(@new!);
                    if (w.Prefix.Count > w.Size + w.Reserve) w.Prefix.Remove(w.Prefix.Max!);
                }
                w.Total++;
            }
        }
        return true;
    }

    private void Rebuild(Window w, DateTimeOffset now)
    {
        var page = _index.Page(w.Filter, w.Size + w.Reserve, null, now);
        w.Prefix.Clear();
        foreach (var entry in page.Items) w.Prefix.Add(entry);
        w.Total = page.Total;
        w.Metrics = _index.Metrics(w.Filter, now);
    }

    /// <summary>Tops the prefix up to N + reserve with the matches after its tail: one cursor page.</summary>
    private void Refill(Window w, DateTimeOffset now)
    {
        var tail = w.Prefix.Count == 0 ? null : new SessionListPosition(w.Prefix.Max!.Card.LastActivityAt, w.Prefix.Max.SessionId);
        var page = _index.Page(w.Filter, w.Size + w.Reserve - w.Prefix.Count, tail, now);
        foreach (var entry in page.Items) w.Prefix.Add(entry);
        w.Refills++;
    }

    private void Schedule(SessionEntry entry, DateTimeOffset now)
    {
        if (SessionRules.NextChange(entry, now, _grace) is not { } at)
        {
            _due.Remove(entry.SessionId);
            return;
        }
        if (_due.TryGetValue(entry.SessionId, out var was) && was == at.UtcTicks) return;
        _due[entry.SessionId] = at.UtcTicks;
        _schedule.Enqueue(entry.SessionId, at.UtcTicks);
    }

    /// <summary>Drops the stale times from the queue.</summary>
    private void Compact()
    {
        _schedule.Clear();
        foreach (var (id, at) in _due) _schedule.Enqueue(id, at);
    }

    private sealed class Node
    {
        public DateTimeOffset Until;
        public readonly HashSet<int> Windows = [];
    }

    internal sealed class Window(int id, string key, LiveFilter filter, int size)
    {
        private static readonly IComparer<SessionEntry> ListOrder = Comparer<SessionEntry>.Create((a, b) => SessionRules.CompareForList(a.Card, b.Card));

        public readonly int Id = id;
        public readonly string Key = key;
        public readonly LiveFilter Filter = filter;
        public readonly int Size = size;
        public readonly int Reserve = ReserveOf(size);
        public readonly bool Timed = filter.MinDurationSec is not null || filter.MaxDurationSec is not null;
        public readonly HashSet<string> Nodes = new(StringComparer.Ordinal);
        public readonly SortedSet<SessionEntry> Prefix = new(ListOrder);
        public int Total;
        public MetricsPart Metrics = MetricsPart.Empty;
        public bool Dirty;
        public int Stamp;
        public int Refills;

        // The screen published last: the top N's cards by id, the total, the metrics.
        private readonly Dictionary<string, SessionCard> _sent = new(StringComparer.Ordinal);
        public int SentTotal;
        public MetricsPart SentMetrics = MetricsPart.Empty;

        public IReadOnlyList<SessionCard> SentTopInOrder()
        {
            var cards = _sent.Values.ToList();
            cards.Sort(SessionRules.CompareForList);
            return cards;
        }

        /// <summary>Publishes the current screen with nothing to tell.</summary>
        public void Publish() => Delta();

        /// <summary>The change from the screen published last to the current one, which becomes the published one; null when none.</summary>
        public WindowDelta? Delta()
        {
            var upserted = new List<SessionCard>();
            var top = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in Prefix)
            {
                if (top.Count == Size) break;
                top.Add(entry.SessionId);
                if (!_sent.TryGetValue(entry.SessionId, out var card) || !card.Equals(entry.Card))
                {
                    upserted.Add(entry.Card);
                    _sent[entry.SessionId] = entry.Card;
                }
            }
            var left = new List<string>();
            if (_sent.Count > top.Count)
            {
                foreach (var id in _sent.Keys)
                {
                    if (!top.Contains(id)) left.Add(id);
                }
                foreach (var id in left) _sent.Remove(id);
            }
            var metrics = Metrics == SentMetrics ? null : Metrics;
            if (upserted.Count == 0 && left.Count == 0 && metrics is null && Total == SentTotal) return null;
            SentTotal = Total;
            SentMetrics = Metrics;
            return new WindowDelta(Id, Total, upserted, left, metrics);
        }
    }
}

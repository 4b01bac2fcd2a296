using LiveOrleans.Views;
using LiveOrleans.Grains;
using LiveOrleans.Live;

namespace LiveOrleans.Api.Live;

/// <summary>What applying stream items changed in a replica, for the pushes that follow.</summary>
public sealed class ReplicaChanges
{
    public HashSet<string> Sessions { get; } = new(StringComparer.Ordinal);
    public List<ActivityEntry> Activity { get; } = [];
    public List<AlertView> Alerts { get; } = [];
    public bool Figures { get; set; }

    public bool IsEmpty => Sessions.Count == 0 && Activity.Count == 0 && Alerts.Count == 0 && !Figures;

    public void Clear()
    {
        Sessions.Clear();
        Activity.Clear();
        Alerts.Clear();
        Figures = false;
    }
}

/// <summary>Which source a replica must take a fresh snapshot of: it missed one of its items.</summary>
public enum ReplicaSource { None, Shard, Day, Directory }

/// <summary>
/// One host's copy of a tenant's live view — index entries of every shard, today's figure cells, the agent
/// directory and the activity log — fed by the tenant stream after a snapshot of each source. Every source's items
/// carry consecutive versions: an item that skips one tells the replica to take a fresh snapshot of that source.
/// Dashboards' figures and cards are computed here, from the same rules the grains use, so a new dashboard costs
/// no grain call. Used from one loop at a time (the tenant's), so it needs no lock.
/// </summary>
public sealed class TenantReplica(string tenant, LiveOptions options)
{
    private readonly Dictionary<string, SessionEntry> _entries = new(StringComparer.Ordinal);

    // Every entry's card in list order (filters aside): a screen whose top ran short takes the next ones from here
    // instead of walking every entry.
    private readonly SortedSet<SessionCard> _order = new(Comparer<SessionCard>.Create(SessionRules.CompareForList));
    private readonly AgentSessionCounts _agentSessions = new();
    private readonly long[] _shardVersions = new long[options.IndexShards];
    private readonly List<ActivityEntry>[] _activity = [.. Enumerable.Range(0, options.IndexShards).Select(_ => new List<ActivityEntry>())];
    private readonly DayFigures _today = new();
    private Dictionary<string, AgentRecord> _agents = new(StringComparer.Ordinal);
    private long _dayVersion;
    private long _directoryVersion;

    /// <summary>The version of a source this replica holds (its snapshot, then every consecutive change applied).</summary>
    public long VersionOf(ReplicaSource source, int shard) => source switch
    {
        ReplicaSource.Shard => _shardVersions[shard],
        ReplicaSource.Day => _dayVersion,
        ReplicaSource.Directory => _directoryVersion,
        _ => 0,
    };

    public string Tenant { get; } = tenant;

    public LiveOptions Options { get; } = options;

    public TenantSettings Settings { get; private set; } = TenantSettings.Default;

    /// <summary>The local day the figure cells are of.</summary>
    public string? Day { get; private set; }

    public IReadOnlyDictionary<string, SessionEntry> Entries => _entries;

    public IReadOnlyDictionary<string, AgentRecord> Agents => _agents;

    public void LoadDirectory(DirectorySnapshot snapshot)
    {
        Settings = snapshot.Settings;
        _agents = snapshot.Agents.ToDictionary(a => a.Id, StringComparer.Ordinal);
        _directoryVersion = snapshot.Version;
    }

    public void LoadDay(DaySnapshot snapshot)
    {
        _today.Clear();
        foreach (var cell in snapshot.Cells) _today.Set(cell);
        Day = snapshot.Day;
        _dayVersion = snapshot.Version;
    }

    /// <summary>Replaces a shard's entries with a snapshot's (pages after the first add to it); answers the sessions that changed.</summary>
    public void LoadShard(IndexSnapshotPage page, bool first, ReplicaChanges changes)
    {
        if (first)
        {
            foreach (var id in _entries.Keys.Where(id => LiveKeys.ShardOf(id, Options.IndexShards) == page.Shard).ToArray())
            {
                Remove(id);
                changes.Sessions.Add(id);
            }
            _shardVersions[page.Shard] = page.Version;
            _activity[page.Shard] = [.. page.Activity];
        }
        foreach (var entry in page.Entries)
        {
            Put(entry);
            changes.Sessions.Add(entry.SessionId);
        }
        changes.Figures = true;
    }

    /// <summary>Applies a stream item; answers the source to take a fresh snapshot of when an item was missed.</summary>
    public (ReplicaSource Source, int Shard) Apply(TenantStreamItem item, ReplicaChanges changes)
    {
        switch (item)
        {
            case SessionsChanged s:
                if (s.Version <= _shardVersions[s.Shard]) return default;
                if (s.Version != _shardVersions[s.Shard] + 1) return (ReplicaSource.Shard, s.Shard);
                _shardVersions[s.Shard] = s.Version;
                foreach (var entry in s.Entries)
                {
                    if (!entry.Supersedes(_entries.GetValueOrDefault(entry.SessionId))) continue;
                    Put(entry);
                    changes.Sessions.Add(entry.SessionId);
                }
                foreach (var id in s.Removed)
                {
                    Remove(id);
                    changes.Sessions.Add(id);
                }
                if (s.Activity.Count > 0)
                {
                    var log = _activity[s.Shard];
                    log.AddRange(s.Activity);
                    if (log.Count > Options.MaxActivityEntries * 2) log.RemoveRange(0, log.Count - Options.MaxActivityEntries);
                    changes.Activity.AddRange(s.Activity);
                }
                changes.Figures = true;
                return default;
            case DayChanged d:
                if (d.Day != Day || d.Version <= _dayVersion) return default;
                if (d.Version != _dayVersion + 1) return (ReplicaSource.Day, 0);
                _dayVersion = d.Version;
                foreach (var cell in d.Cells) _today.Set(cell);
                changes.Figures = true;
                return default;
            case DirectoryChanged c:
                if (c.Version <= _directoryVersion) return default;
                if (c.Version != _directoryVersion + 1) return (ReplicaSource.Directory, 0);
                _directoryVersion = c.Version;
                var zoneChanged = c.Settings.TimeZone != Settings.TimeZone;
                Settings = c.Settings;
                // The cards show agents' names and colours: the cards of an agent whose name or colour changed changed
                // too. Most changes are an agent's signals (every message it sends), which no card shows.
                HashSet<string>? renamed = null;
                foreach (var agent in c.Agents)
                {
                    if (!_agents.TryGetValue(agent.Id, out var old) || old.Name != agent.Name || old.Color != agent.Color) (renamed ??= new(StringComparer.Ordinal)).Add(agent.Id);
                    _agents[agent.Id] = agent;
                }
                changes.Figures = true;
                if (renamed is not null)
                {
                    foreach (var entry in _entries.Values)
                    {
                        if (entry.Card.AgentId is { } agentId && renamed.Contains(agentId)) changes.Sessions.Add(entry.SessionId);
                    }
                }
                return zoneChanged ? (ReplicaSource.Day, 0) : default;
            case AlertRaised a:
                changes.Alerts.Add(a.Alert);
                return default;
            default:
                return default;
        }
    }

    /// <summary>Today in the tenant's time zone, which the figure cells must be of.</summary>
    public string Today(DateTimeOffset now) => TenantClock.Day(now, Settings.TimeZone);

    public SummaryView Summary(LiveFilter filter, DateTimeOffset now) => DayFigures.ToSummary(_today.Summary(filter), Day ?? Today(now), Settings.TimeZone, now);

    public HourlyView Hourly(LiveFilter filter, DateTimeOffset now) => new(Day ?? Today(now), Settings.TimeZone, _today.Hourly(filter));

    public AgentsView AgentsPanelView(LiveFilter filter, DateTimeOffset now)
        => AgentsPanel.Build([.. _agents.Values], [_agentSessions.Counts], filter, now, Options.PresenceTimeout);

    public MetricsView Metrics(LiveFilter filter, DateTimeOffset now) => SessionRules.Metrics(_entries.Values, filter, now, Options.EndedGracePeriod).ToView();

    /// <summary>The metrics bar of several filters in one walk of the entries.</summary>
    public MetricsView[] Metrics(IReadOnlyList<LiveFilter> filters, DateTimeOffset now)
        => [.. SessionRules.Metrics(_entries.Values, filters, now, Options.EndedGracePeriod).Select(m => m.ToView())];

    /// <summary>The card as a dashboard with this filter sees it now, or null when it is not in its list.</summary>
    public SessionCard? VisibleCard(string sessionId, LiveFilter filter, DateTimeOffset now)
        => IsVisible(sessionId, filter, now) ? NamedCard(sessionId) : null;

    /// <summary>Whether the session is in the list of a dashboard with this filter now.</summary>
    public bool IsVisible(string sessionId, LiveFilter filter, DateTimeOffset now)
        => _entries.TryGetValue(sessionId, out var entry) && SessionRules.IsVisible(entry, filter, now, Options.EndedGracePeriod);

    /// <summary>The session's card with its agent's name, whatever the filter (null when the replica does not hold it).</summary>
    public SessionCard? NamedCard(string sessionId)
        => _entries.TryGetValue(sessionId, out var entry) ? LiveReader.Named(entry.Card, _agents) : null;

    /// <summary>How many cards the filter selects now: one walk, nothing named, nothing sorted.</summary>
    public int CountVisible(LiveFilter filter, DateTimeOffset now)
    {
        var count = 0;
        foreach (var entry in _entries.Values)
        {
            if (SessionRules.IsVisible(entry, filter, now, Options.EndedGracePeriod)) count++;
        }
        return count;
    }

    /// <summary>The first <paramref name="count"/> cards the filter selects now, in list order, named.</summary>
    public List<SessionCard> FirstVisible(LiveFilter filter, DateTimeOffset now, int count) => After(null, filter, now, count, static _ => false);

    /// <summary>
    /// The first <paramref name="count"/> cards the filter selects, in list order, and every selected session's id into
    /// <paramref name="matching"/>: one walk, a bounded heap.
    /// </summary>
    public List<SessionCard> Select(LiveFilter filter, DateTimeOffset now, int count, HashSet<string> matching)
    {
        var order = Comparer<SessionCard>.Create(SessionRules.CompareForList);
        // A max-heap of the best `count` so far: the root is the worst kept, replaced by anything better.
        var heap = new PriorityQueue<SessionCard, SessionCard>(Comparer<SessionCard>.Create((a, b) => order.Compare(b, a)));
        foreach (var entry in _entries.Values)
        {
            if (!SessionRules.IsVisible(entry, filter, now, Options.EndedGracePeriod)) continue;
            matching.Add(entry.SessionId);
            if (heap.Count < count) heap.Enqueue(entry.Card, entry.Card);
            else if (count > 0 && order.Compare(entry.Card, heap.Peek()) < 0) heap.EnqueueDequeue(entry.Card, entry.Card);
        }
        var top = new List<SessionCard>(heap.Count);
        while (heap.TryDequeue(out var card, out _)) top.Add(LiveReader.Named(card, _agents));
        top.Sort(order);
        return top;
    }

    /// <summary>
    /// The next cards the filter selects now after <paramref name="after"/> in list order (from the first when null),
    /// named, skipping those <paramref name="skip"/> says are held already, until <paramref name="count"/> are found:
    /// the cost is the entries passed over, not the tenant's size.
    /// </summary>
    public List<SessionCard> After(SessionCard? after, LiveFilter filter, DateTimeOffset now, int count, Func<string, bool> skip)
    {
        var found = new List<SessionCard>();
        if (count <= 0 || _order.Count == 0) return found;
        var from = after is null ? _order : _order.Comparer.Compare(after, _order.Max!) >= 0 ? null : _order.GetViewBetween(after, _order.Max!);
        if (from is null) return found;
        foreach (var card in from)
        {
            if (skip(card.SessionId) || !_entries.TryGetValue(card.SessionId, out var entry)) continue;
            if (!SessionRules.IsVisible(entry, filter, now, Options.EndedGracePeriod)) continue;
            found.Add(LiveReader.Named(card, _agents));
            if (found.Count == count) break;
        }
        return found;
    }

    /// <summary>Whether an activity entry or alert about a session is in a filter's scope.</summary>
    public bool InScope(string? sessionId, LiveFilter filter)
        => sessionId is null ? filter.Owners is not { Count: > 0 } : SessionRules.InScope(_entries.GetValueOrDefault(sessionId), filter);

    /// <summary>The newest activity entries in a filter's scope.</summary>
    public IReadOnlyList<ActivityEntry> Activity(LiveFilter filter, int limit)
        => [.. _activity.SelectMany(a => a).Where(e => InScope(e.SessionId, filter)).Order(Comparer<ActivityEntry>.Create(ActivityIds.Compare)).Take(limit)];

    private void Put(SessionEntry entry)
    {
        if (_entries.TryGetValue(entry.SessionId, out var old))
        {
            _agentSessions.Remove(old);
            _order.Remove(old.Card);
        }
        _entries[entry.SessionId] = entry;
        _order.Add(entry.Card);
        _agentSessions.Add(entry);
    }

    private void Remove(string sessionId)
    {
        if (_entries.Remove(sessionId, out var old))
        {
            _agentSessions.Remove(old);
            _order.Remove(old.Card);
        }
    }
}

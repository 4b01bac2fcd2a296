using LiveOrleans.Live;
using LiveOrleans.Views;

namespace LiveOrleans.Api.Live;

/// <summary>
/// Connections of one tenant that asked for ticks (<c>push: "ticks"</c>) with the same filter and window: their screen
/// is kept once — the first <c>window</c> cards of the filter, its exact total, its figures — and once per push tick
/// what changed on it since the last tick goes to every member as one <c>tick</c> message (<see cref="TickFrame"/>).
/// A member joins at a tick, so its snapshot is exactly the screen the next frame is computed against.
/// </summary>
public sealed class ScreenGroup
{
    /// <summary>Activity entries a frame (or a merge of frames) carries at most.</summary>
    public const int MaxActivity = 200;

    private static readonly Comparer<SessionCard> ListOrder = Comparer<SessionCard>.Create(SessionRules.CompareForList);
    private readonly TenantReplica _replica;
    private readonly int _capacity;
    // The first cards of the filter in list order: the window and a reserve below it, so that cards leaving the window
    // are replaced without a walk of the replica until the reserve runs out.
    private readonly SortedSet<SessionCard> _top = new(ListOrder);
    private readonly Dictionary<string, SessionCard> _inTop = new(StringComparer.Ordinal);
    // Every session the filter selects (for the exact total, and to know when the reserve holds all of them).
    private readonly HashSet<string> _matching = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SessionCard> _sent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _figuresSent = new(StringComparer.Ordinal);
    private readonly List<ActivityEntry> _activity = [];
    private readonly HashSet<string> _watcherChanges = new(StringComparer.Ordinal);
    private readonly List<(DashboardConnection Connection, TaskCompletionSource<DashboardSnapshot> Answer)> _joining = [];
    private TickFrame? _figures;
    private int _sentTotal;
    private long _lastTick = long.MinValue;
    // Whether a session changed (or the top was rebuilt) since the last frame: without, the screen is not compared.
    private bool _screenDirty;
    private SummaryView _summary = null!;
    private HourlyView _hourly = null!;
    private AgentsView _agents = null!;
    private MetricsView _metrics = null!;

    public ScreenGroup(LiveFilter filter, int window, TenantReplica replica, FigureCache figures, DateTimeOffset now)
    {
        Filter = filter;
        Window = window;
        _replica = replica;
        _capacity = window + Math.Max(10, window / 2);
        Rebuild(now);
        foreach (var card in _top.Take(Window)) _sent[card.SessionId] = card;
        _sentTotal = _matching.Count;
        Figures(figures, now);
        _figures = null;
    }

    public LiveFilter Filter { get; }

    /// <summary>Names the screen in its frames and snapshots (a client ignores frames of another).</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>How many cards the screen shows.</summary>
    public int Window { get; }

    /// <summary>The last frame's number (0 before the first): a member's snapshot is of this one.</summary>
    public long Seq { get; private set; }

    public HashSet<DashboardConnection> Members { get; } = [];

    /// <summary>Connections waiting for the next tick to join (their Subscribe answers then).</summary>
    public int Joining => _joining.Count;

    public bool FiguresDirty { get; set; }

    public DateTimeOffset FiguresSentAt { get; private set; }

    /// <summary>Whether what the filter selects changes with time alone (a duration filter).</summary>
    public bool DependsOnTime => Filter.MinDurationSec is not null || Filter.MaxDurationSec is not null;

    /// <summary>Adds a connection at the next tick; the task answers its snapshot then.</summary>
    public Task<DashboardSnapshot> Join(DashboardConnection connection)
    {
        var answer = new TaskCompletionSource<DashboardSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        _joining.Add((connection, answer));
        return answer.Task;
    }

    public void Leave(DashboardConnection connection)
    {
        Members.Remove(connection);
        foreach (var joining in _joining.Where(j => j.Connection == connection).ToArray())
        {
            _joining.Remove(joining);
            joining.Answer.TrySetException(new Microsoft.AspNetCore.SignalR.HubException("The subscription was replaced before it was made."));
        }
    }

    /// <summary>Fails the connections still waiting to join (the view is closing).</summary>
    public void Abandon()
    {
        foreach (var (_, answer) in _joining) answer.TrySetException(new ObjectDisposedException(nameof(ScreenGroup)));
        _joining.Clear();
    }

    public bool IsEmpty => Members.Count == 0 && _joining.Count == 0;

    /// <summary>The cards the screen holds now, first to last (tests compare it with a brute force).</summary>
    internal IReadOnlyList<SessionCard> Cards => [.. _top.Take(Window)];

    /// <summary>How many sessions the filter selects now.</summary>
    internal int Total => _matching.Count;

    /// <summary>How often the top filled up again from the replica's order, and how often it was built from every entry.</summary>
    internal (int Refills, int Rebuilds) Work { get; private set; }

    /// <summary>
    /// A session changed in the replica: its place in the filter's list, if any, is updated. <paramref name="card"/> is its
    /// card when the filter selects it now, else null.
    /// </summary>
    public void Changed(string sessionId, SessionCard? card, DateTimeOffset now)
    {
        // Whether the top held every other matching session: then this one belongs in it wherever it sorts.
        var complete = _top.Count - (_inTop.ContainsKey(sessionId) ? 1 : 0) == _matching.Count - (_matching.Contains(sessionId) ? 1 : 0);
        if (_inTop.Remove(sessionId, out var old)) _top.Remove(old);
        if (card is null)
        {
            _matching.Remove(sessionId);
        }
        else
        {
            _matching.Add(sessionId);
            var before = _top.Count > 0 && ListOrder.Compare(card, _top.Max!) < 0;
            if (before || (complete && _top.Count < _capacity))
            {
                _top.Add(card);
                _inTop[sessionId] = card;
                if (_top.Count > _capacity)
                {
                    var last = _top.Max!;
                    _top.Remove(last);
                    _inTop.Remove(last.SessionId);
                }
            }
        }
        _screenDirty = true;
    }

    /// <summary>
    /// After the changes of a flush: a top that ran below the window while more sessions match fills up again. Once per
    /// flush, so that the count it is compared with has seen every change the replica has.
    /// </summary>
    public void Settle(DateTimeOffset now)
    {
        if (_top.Count < Window && _matching.Count > _top.Count) Refill(now);
    }

    /// <summary>
    /// The top ran below the window while more sessions match: the next matching ones after it, in list order, from the
    /// replica's order. The top always holds the first matching sessions, so those after its last are the ones missing.
    /// </summary>
    private void Refill(DateTimeOffset now)
    {
        Work = Work with { Refills = Work.Refills + 1 };
        var after = _top.Count > 0 ? _top.Max : null;
        foreach (var card in _replica.After(after, Filter, now, _capacity - _top.Count, _inTop.ContainsKey))
        {
            _top.Add(card);
            _inTop[card.SessionId] = card;
        }
        // The order ran out before the count did: some matching session left the list with time alone (its grace
        // ended before the tick that tells): count again from the replica, once.
        if (_top.Count < _matching.Count && _top.Count < _capacity) Rebuild(now);
    }

    /// <summary>Everything again from the replica (a filter that changes with time alone, at each refresh).</summary>
    public void Rebuild(DateTimeOffset now)
    {
        Work = Work with { Rebuilds = Work.Rebuilds + 1 };
        _screenDirty = true;
        _matching.Clear();
        _top.Clear();
        _inTop.Clear();
        foreach (var card in _replica.Select(Filter, now, _capacity, _matching))
        {
            _top.Add(card);
            _inTop[card.SessionId] = card;
        }
    }

    public void Activity(ActivityEntry entry)
    {
        _activity.Add(entry);
        if (_activity.Count > MaxActivity) _activity.RemoveAt(0);
    }

    /// <summary>The number of people watching a session changed; a card on the screen gets the new count at the next tick.</summary>
    public void WatcherChanged(string sessionId) => _watcherChanges.Add(sessionId);

    /// <summary>Computes the figures; those that differ from the last sent go out with the next tick.</summary>
    public void Figures(FigureCache figures, DateTimeOffset now)
    {
        var frame = _figures ??= new TickFrame(Id, 0, 0, 0, now);
        var (summary, summaryJson) = figures.Summary(Filter);
        if (Changed("summary", summaryJson)) { frame.Summary = summary; _summary = figures.SummaryView(Filter); }
        var (hourly, hourlyJson) = figures.Hourly(Filter);
        if (Changed("hourly", hourlyJson)) { frame.Hourly = hourly; _hourly = figures.HourlyView(Filter); }
        var (agents, agentsJson) = figures.Agents(Filter);
        if (Changed("agents", agentsJson)) { frame.Agents = agents; _agents = figures.AgentsView(Filter); }
        var metrics = figures.Metrics(Filter);
        if (Changed("metrics", SubscriptionGroup.Comparable(metrics))) { frame.Metrics = RawJson.Of(metrics); _metrics = metrics; }
        FiguresDirty = false;
        FiguresSentAt = now;
    }

    private bool Changed(string name, string comparable)
    {
        if (_figuresSent.TryGetValue(name, out var last) && last == comparable) return false;
        _figuresSent[name] = comparable;
        return true;
    }

    /// <summary>
    /// The push tick: what changed on the screen since the last frame goes to every member as one frame (nothing when
    /// nothing changed), then the connections waiting to join get their snapshot of the screen as it now stands.
    /// </summary>
    public void SendTick(long tick, DateTimeOffset now, Func<string, int> watchers, Func<LiveFilter, IReadOnlyList<ActivityEntry>> activity)
    {
        // The host's timer fires every tick, but a busy loop can run two of its turns within one tick: the second waits.
        if (tick <= _lastTick) return;
        _lastTick = tick;
        var frame = new TickFrame(Id, Seq + 1, Seq, tick, now);
        if (_screenDirty)
        {
            _screenDirty = false;
            var screen = _top.Take(Window).ToList();
            var onScreen = new HashSet<string>(screen.Select(c => c.SessionId), StringComparer.Ordinal);
            foreach (var id in _sent.Keys.Where(id => !onScreen.Contains(id)).ToArray())
            {
                frame.Removed.Add(id);
                _sent.Remove(id);
            }
            foreach (var card in screen)
            {
                var entered = !_sent.TryGetValue(card.SessionId, out var sent);
                if (!entered && sent == card) continue;
                frame.Upserted[card.SessionId] = card;
                _sent[card.SessionId] = card;
                // A card that comes onto the screen brings its watchers (0 clears a count the client kept from before).
                if (entered) frame.Watchers[card.SessionId] = watchers(card.SessionId);
            }
        }
        foreach (var id in _watcherChanges)
        {
            if (_sent.ContainsKey(id)) frame.Watchers[id] = watchers(id);
        }
        _watcherChanges.Clear();
        if (_matching.Count != _sentTotal) frame.Total = _sentTotal = _matching.Count;
        if (_figures is { } figures)
        {
            frame.Summary = figures.Summary;
            frame.Hourly = figures.Hourly;
            frame.Agents = figures.Agents;
            frame.Metrics = figures.Metrics;
            _figures = null;
        }
        frame.Activity.AddRange(_activity);
        _activity.Clear();
        if (!frame.IsEmpty)
        {
            Seq = frame.Seq;
            if (Members.Count > 0)
            {
                var shared = new ConnectionQueue.Message(nameof(ILiveClient.tick), [frame.ToJson()]);
                foreach (var member in Members) member.Queue.OfferTick(frame, shared);
            }
        }
        if (_joining.Count == 0) return;
        var snapshot = new DashboardSnapshot(_summary, _hourly, _agents, _metrics,
            new SessionList(_sentTotal, [.. _sent.Values.Order(ListOrder)]), activity(Filter),
            _sent.Keys.Select(id => (id, n: watchers(id))).Where(w => w.n > 0).ToDictionary(w => w.id, w => w.n, StringComparer.Ordinal))
        { Screen = Id, Seq = Seq, Window = Window };
        foreach (var (connection, answer) in _joining)
        {
            if (connection.Closed) { answer.TrySetException(new Microsoft.AspNetCore.SignalR.HubException("The connection closed before its subscription was made.")); continue; }
            Members.Add(connection);
            answer.TrySetResult(snapshot);
        }
        _joining.Clear();
    }

    /// <summary>
    /// Sends a message now, in order with the members' other immediate pushes (alerts). Connections waiting to join get
    /// it too: an alert is in no snapshot, so one raised between a Subscribe and its tick would be lost to them.
    /// </summary>
    public void SendNow(string method, params object?[] arguments)
    {
        if (Members.Count == 0 && _joining.Count == 0) return;
        var message = new ConnectionQueue.Message(method, arguments);
        foreach (var member in Members) member.Queue.Enqueue(null, message);
        foreach (var (connection, _) in _joining) connection.Queue.Enqueue(null, message);
    }
}

namespace LiveOrleans.Views.Index;

/// <summary>A page of a shard's entries: how many match the filter (exact), the page in list order, and whether more match after it.</summary>
public sealed record LivePage(int Total, IReadOnlyList<SessionEntry> Items, bool More);

/// <summary>
/// One live-index shard's entries, indexed so that live queries cost by the page they answer and the selectivity of
/// their filter, never a walk over every session (docs/runtime.md, The live index). The answers are
/// <see cref="SessionRules"/>' over the entries held, exactly: listing, filters, metrics. No clock: every query is
/// told its <c>now</c>.
/// </summary>
/// <remarks>
/// Each entry has a dense slot (freed slots are reused). Compressed bitmaps of slots file the entries that are not
/// broadcast-only (the only ones a query can select) by every filter dimension's value, by being live (not ended), and
/// by time: start, end, replies and interventions per minute (and start and end per hour). The list order is an
/// ordered index of slots by last activity. A page walks that order from its cursor testing the filter's bitmap, or,
/// when few entries match, takes the first of the matching slots after the cursor with a heap.
/// </remarks>
public sealed class LiveIndex
{
    private const long MaxTicks = 3_155_378_975_999_999_999; // DateTimeOffset.MaxValue.UtcTicks
    private const long Minute = TimeSpan.TicksPerMinute;

    // Durations beyond this many seconds are compared by ticks no more (a double's rounding could differ): checked one by one.
    private const int ExactDurationLimit = 100_000_000;

    private readonly TimeSpan _grace;
    private SessionEntry?[] _entries = new SessionEntry?[64];
    private int _highWater;
    private readonly Stack<int> _free = new();
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private OrderIndex _order;

    private readonly Dictionary<string, CompactBitmap> _teams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompactBitmap> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompactBitmap> _channels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompactBitmap> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<Priority, CompactBitmap> _priorities = [];
    private readonly Dictionary<LiveState, CompactBitmap> _states = [];
    private CompactBitmap _live = new();
    private TimeBuckets _starts = new(hours: true);
    private TimeBuckets _ends = new(hours: true);
    private TimeBuckets _replies = new(hours: false);
    private TimeBuckets _interventions = new(hours: false);
    private GramIndex? _grams = new();

    // While the keyword grams of a bulk load are built apart (null grams): the entries they are built from, and the texts
    // the build files each slot changed since under (its entry's at the load), so that adopting them can catch up.
    private IReadOnlyList<SessionEntry>? _gramsSource;
    private Dictionary<int, IReadOnlyList<string>>? _gramsBehind;
    private readonly Dictionary<string, int> _agentSessions = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (int Count, long Sum)> _perMinute = [];

    /// <param name="grace">How long an ended session stays listed (<see cref="SessionRules.IsListed"/>).</param>
    public LiveIndex(TimeSpan grace)
    {
        _grace = grace;
        _order = new OrderIndex(slot => _entries[slot]!.SessionId);
    }

    /// <summary>
    /// The index of <paramref name="entries"/> (one per session), built at once, as a shard's load needs: slots in the
    /// entries' order, the list order sorted once, every bitmap and time bucket grown at its end in one pass over the
    /// slots, the keyword grams in two halves. The order, the grams' halves and the rest are independent, so they are
    /// built in parallel. It answers every query as the index of the same entries upserted one by one in that order.
    /// </summary>
    /// <param name="keywordsLater">
    /// Leave the keyword grams out (the larger part of the build): the index answers at once, keyword filters by
    /// checking every candidate's texts, until <see cref="AdoptKeywords"/> takes the grams <see cref="BuildKeywords"/>
    /// built meanwhile, on another thread. A restart of a large shard answers sooner so.
    /// </param>
    public static LiveIndex Build(TimeSpan grace, IReadOnlyList<SessionEntry> entries, bool keywordsLater = false)
    {
        var index = new LiveIndex(grace);
        var n = entries.Count;
        index._entries = new SessionEntry?[Math.Max(64, n)];
        index._slots.EnsureCapacity(n);
        for (var slot = 0; slot < n; slot++)
        {
            var entry = entries[slot];
            if (!index._slots.TryAdd(entry.SessionId, slot)) throw new ArgumentException($"Two entries of session {entry.SessionId}.", nameof(entries));
            index._entries[slot] = entry;
        }
        index._highWater = n;
        if (keywordsLater)
        {
            index._grams = null;
            index._gramsSource = entries;
            index._gramsBehind = [];
            Parallel.Invoke(Pool, () => index.BuildOrder(entries), () => index.BuildSets(entries));
            return index;
        }
        GramIndex? grams = null;
        Parallel.Invoke(Pool, () => index.BuildOrder(entries), () => grams = BuildGrams(entries, parallel: true).Grams, () => index.BuildSets(entries));
        index._grams = grams;
        return index;
    }

    // Not TaskScheduler.Current: in a grain that is the activation's own, one turn at a time.
    private static readonly ParallelOptions Pool = new() { TaskScheduler = TaskScheduler.Default };

    /// <summary>The keyword grams of the entries in slots 0..n-1, in two halves (on two threads if <paramref name="parallel"/>).</summary>
    private static KeywordGrams BuildGrams(IReadOnlyList<SessionEntry> entries, bool parallel)
    {
        var n = entries.Count;
        var halves = new[] { new GramIndex.Builder(), new GramIndex.Builder() };
        void File(int half)
        {
            for (int slot = half * n / 2, end = (half + 1) * n / 2; slot < end; slot++)
            {
                var entry = entries[slot];
                if (!entry.BroadcastOnly) halves[half].Add(slot, entry.SearchTexts);
            }
        }
        if (parallel) Parallel.Invoke(Pool, () => File(0), () => File(1));
        else
        {
            File(0);
            File(1);
        }
        return new KeywordGrams(halves[0].Build(halves[1]));
    }

    /// <summary>Whether keyword filters are answered by checking every candidate, the grams still being built (<see cref="Build"/>).</summary>
    public bool KeywordsPending => _grams is null;

    /// <summary>
    /// The keyword grams of the entries this index was built from, for <see cref="AdoptKeywords"/>. It reads only those
    /// entries (immutable), never the index, so it runs on any thread while the index goes on being used and changed;
    /// on one thread, leaving the others to the queries meanwhile.
    /// </summary>
    public KeywordGrams BuildKeywords()
        => BuildGrams(_gramsSource ?? throw new InvalidOperationException("The index was not built with its keywords for later."), parallel: false);

    /// <summary>Takes the grams <see cref="BuildKeywords"/> built, brought up to date with the slots changed since the build's entries.</summary>
    public void AdoptKeywords(KeywordGrams built)
    {
        if (_grams is not null) throw new InvalidOperationException("The index has its keyword grams already.");
        var grams = built.Grams;
        foreach (var (slot, filed) in _gramsBehind!)
        {
            var now = _entries[slot] is { BroadcastOnly: false } entry ? entry.SearchTexts : [];
            grams.Update(slot, filed, now);
        }
        _grams = grams;
        _gramsSource = null;
        _gramsBehind = null;
    }

    private void BuildOrder(IReadOnlyList<SessionEntry> entries)
    {
        var keys = new long[entries.Count];
        var slots = new int[entries.Count];
        for (var slot = 0; slot < keys.Length; slot++)
        {
            keys[slot] = OrderIndex.KeyOf(entries[slot].Card.LastActivityAt);
            slots[slot] = slot;
        }
        _order = OrderIndex.Build(_order.IdOf, keys, slots);
    }

    /// <summary>The counts, the filter dimensions' bitmaps, the live set and the time buckets, in one pass over the slots.</summary>
    private void BuildSets(IReadOnlyList<SessionEntry> entries)
    {
        var starts = new TimeBuckets.Builder(hours: true);
        var ends = new TimeBuckets.Builder(hours: true);
        var replies = new TimeBuckets.Builder(hours: false);
        var interventions = new TimeBuckets.Builder(hours: false);
        var live = new CompactBitmap();
        for (var slot = 0; slot < entries.Count; slot++)
        {
            var entry = entries[slot];
            var card = entry.Card;
            if (card.EndedAt is null) LiveCount++;
            if (SessionRules.CountsForAgent(entry)) System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_agentSessions, card.AgentId!, out _)++;
            if (entry.BroadcastOnly) continue;
            FileLast(_teams, slot, card.TeamId);
            FileLast(_owners, slot, card.OwnerId);
            FileLast(_channels, slot, card.Channel);
            FileLast(_agents, slot, card.AgentId);
            FileLast(_priorities, slot, card.Priority);
            FileLast(_states, slot, card.State);
            if (card.EndedAt is null) live.AddLast(slot);
            starts.Add(slot, card.StartedAt.UtcTicks);
            if (card.EndedAt is { } ended) ends.Add(slot, ended.UtcTicks);
            if (entry.Replies.Count > 0)
            {
                foreach (var (minute, (count, sum)) in RepliesPerMinute(entry.Replies)) replies.Add(slot, minute * Minute, count, sum);
            }
            if (entry.Interventions.Count > 0)
            {
                foreach (var minute in InterventionMinutes(entry.Interventions)) interventions.Add(slot, minute * Minute);
            }
        }
        _live = live;
        _starts = starts.Build();
        _ends = ends.Build();
        _replies = replies.Build();
        _interventions = interventions.Build();
    }

    private static void FileLast<TKey>(Dictionary<TKey, CompactBitmap> values, int slot, TKey? value) where TKey : notnull
    {
        if (value is null) return;
        if (!values.TryGetValue(value, out var slots)) values.Add(value, slots = new CompactBitmap());
        slots.AddLast(slot);
    }

    /// <summary>Entries held.</summary>
    public int Count => _slots.Count;

    /// <summary>Entries not ended (broadcast-only ones included).</summary>
    public int LiveCount { get; private set; }

    public SessionEntry? Get(string sessionId) => _slots.TryGetValue(sessionId, out var slot) ? _entries[slot] : null;

    /// <summary>Sessions not ended per agent (<see cref="SessionRules.CountsForAgent"/>), a copy.</summary>
    public Dictionary<string, int> LiveSessionsByAgent() => new(_agentSessions, StringComparer.Ordinal);

    /// <summary>Adds the entry, or replaces the entry of its session.</summary>
    public void Upsert(SessionEntry entry)
    {
        if (_slots.TryGetValue(entry.SessionId, out var slot))
        {
            var old = _entries[slot]!;
            if (old.Card.LastActivityAt != entry.Card.LastActivityAt)
            {
                _order.Remove(OrderIndex.KeyOf(old.Card.LastActivityAt), slot);
                _entries[slot] = entry;
                _order.Add(OrderIndex.KeyOf(entry.Card.LastActivityAt), slot);
            }
            _entries[slot] = entry;
            Reindex(slot, old, entry);
            return;
        }
        slot = _free.Count > 0 ? _free.Pop() : _highWater++;
        if (slot == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[slot] = entry;
        _slots.Add(entry.SessionId, slot);
        _order.Add(OrderIndex.KeyOf(entry.Card.LastActivityAt), slot);
        Reindex(slot, null, entry);
    }

    /// <summary>Removes a session's entry; false when there is none.</summary>
    public bool Remove(string sessionId)
    {
        if (!_slots.Remove(sessionId, out var slot)) return false;
        var old = _entries[slot]!;
        _order.Remove(OrderIndex.KeyOf(old.Card.LastActivityAt), slot);
        Reindex(slot, old, null);
        _entries[slot] = null;
        _free.Push(slot);
        return true;
    }

    /// <summary>Entries in list order strictly after <paramref name="after"/> (from the first when null).</summary>
    public IEnumerable<SessionEntry> InListOrder(SessionListPosition? after = null)
    {
        foreach (var slot in after is null ? _order.After(0, null) : _order.After(OrderIndex.KeyOf(after.LastActivityAt), after.SessionId))
            yield return _entries[slot]!;
    }

    /// <summary>Entries from the least recent activity up.</summary>
    public IEnumerable<SessionEntry> FromLeastRecent()
    {
        foreach (var slot in _order.FromLeastRecent()) yield return _entries[slot]!;
    }

    /// <summary>The entries listed at <paramref name="now"/> that match the filter: how many, the first <paramref name="limit"/> after the cursor, whether more follow.</summary>
    public LivePage Page(LiveFilter filter, int limit, SessionListPosition? after, DateTimeOffset now)
    {
        var matches = Match(filter, now, Listed(now));
        var m = matches.Cardinality;
        if (m == 0) return new LivePage(0, [], false);
        limit = Math.Max(0, limit);
        var n = _order.Count;
        // Walking the order finds limit + 1 matches in about (limit + 1)·n/m steps; the heap costs m·log(limit).
        if ((long)m * m > (long)(limit + 1) * n && WalkPage(matches, limit, after, 4L * m + 256) is { } walked) return walked with { Total = m };
        return HeapPage(matches, limit, after) with { Total = m };
    }

    /// <summary>Walks the list order from the cursor; null when more than <paramref name="budget"/> steps would be needed (the matches lie far).</summary>
    private LivePage? WalkPage(CompactBitmap matches, int limit, SessionListPosition? after, long budget)
    {
        var items = new List<SessionEntry>(Math.Min(limit, 64));
        var slots = after is null ? _order.After(0, null) : _order.After(OrderIndex.KeyOf(after.LastActivityAt), after.SessionId);
        foreach (var slot in slots)
        {
            if (--budget < 0) return null;
            if (!matches.Contains(slot)) continue;
            if (items.Count == limit) return new LivePage(0, items, true);
            items.Add(_entries[slot]!);
        }
        return new LivePage(0, items, false);
    }

    private LivePage HeapPage(CompactBitmap matches, int limit, SessionListPosition? after)
    {
        // The page so far, last in list order first out: beyond the limit, the last goes.
        var heap = new PriorityQueue<SessionEntry, SessionCard>(Comparer<SessionCard>.Create((a, b) => SessionRules.CompareForList(b, a)));
        var afterCursor = 0;
        foreach (var slot in matches.Values())
        {
            var entry = _entries[slot]!;
            if (!IsAfter(entry.Card, after)) continue;
            afterCursor++;
            if (limit == 0) continue;
            if (heap.Count < limit) heap.Enqueue(entry, entry.Card);
            else if (SessionRules.CompareForList(entry.Card, heap.Peek().Card) < 0) heap.EnqueueDequeue(entry, entry.Card);
        }
        var items = new SessionEntry[heap.Count];
        for (var i = items.Length - 1; i >= 0; i--) items[i] = heap.Dequeue();
        return new LivePage(0, items, afterCursor > items.Length);
    }

    /// <summary>Whether a card comes after the cursor in list order.</summary>
    public static bool IsAfter(SessionCard card, SessionListPosition? after)
        => after is null || card.LastActivityAt < after.LastActivityAt
            || (card.LastActivityAt == after.LastActivityAt && string.CompareOrdinal(card.SessionId, after.SessionId) > 0);

    /// <summary>The metrics bar over the entries that match the filter (<see cref="SessionRules.Metrics"/> summed over the ones not broadcast-only).</summary>
    public MetricsPart Metrics(LiveFilter filter, DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        var windowStart = nowTicks - SessionRules.MetricsWindow.Ticks; // excluded
        var listed = Listed(now);
        var started = Exact(_starts, windowStart + 1, nowTicks, e => e.Card.StartedAt.UtcTicks > windowStart && e.Card.StartedAt.UtcTicks <= nowTicks);
        var endedInWindow = Exact(_ends, windowStart + 1, MaxTicks, e => e.Card.EndedAt!.Value.UtcTicks > windowStart);
        var liveInWindow = CompactBitmap.Or(_live, endedInWindow);
        var replied = new CompactBitmap();
        var repliedEdge = new CompactBitmap();
        var (replies, replyMicros) = _replies.Collect(windowStart + 1, MaxTicks, replied, repliedEdge);
        var intervened = new CompactBitmap();
        _interventions.Collect(windowStart + 1, MaxTicks, intervened, intervened);
        intervened = CompactBitmap.And(intervened, liveInWindow);

        if (IsEmpty(filter))
        {
            // Whole minutes from their totals; the replies of the partial minute at the window's start one by one.
            var edgeMinute = (windowStart + 1) / Minute;
            foreach (var slot in repliedEdge.Values())
            {
                foreach (var reply in _entries[slot]!.Replies)
                {
                    var at = reply.At.UtcTicks;
                    if (at > windowStart && at / Minute == edgeMinute) { replies++; replyMicros += MetricsPart.Micros(reply.Milliseconds); }
                }
            }
            return new MetricsPart(listed.Cardinality, started.Cardinality, replies, replyMicros, liveInWindow.Cardinality, CountIntervened(intervened, windowStart));
        }

        // Only entries some count can see: listed, started in the window, live in it, with a reply in it.
        replied.UnionWith(repliedEdge);
        var universe = CompactBitmap.Or(CompactBitmap.Or(listed, started), CompactBitmap.Or(liveInWindow, replied));
        var matches = Match(filter, now, universe);
        replies = 0;
        replyMicros = 0;
        foreach (var slot in CompactBitmap.And(matches, replied).Values())
        {
            foreach (var reply in _entries[slot]!.Replies)
            {
                if (reply.At.UtcTicks <= windowStart) continue;
                replies++;
                replyMicros += MetricsPart.Micros(reply.Milliseconds);
            }
        }
        return new MetricsPart(CompactBitmap.AndCardinality(matches, listed), CompactBitmap.AndCardinality(matches, started), replies, replyMicros,
            CompactBitmap.AndCardinality(matches, liveInWindow), CountIntervened(CompactBitmap.And(intervened, matches), windowStart));
    }

    private int CountIntervened(CompactBitmap candidates, long windowStart)
    {
        var count = 0;
        foreach (var slot in candidates.Values())
        {
            foreach (var at in _entries[slot]!.Interventions)
            {
                if (at.UtcTicks <= windowStart) continue;
                count++;
                break;
            }
        }
        return count;
    }

    private static bool IsEmpty(LiveFilter filter)
        => filter.Teams is not { Count: > 0 } && filter.Owners is not { Count: > 0 } && filter.Channels is not { Count: > 0 }
            && filter.Agents is not { Count: > 0 } && filter.Priorities is not { Count: > 0 } && filter.Statuses is not { Count: > 0 }
            && string.IsNullOrEmpty(filter.Q) && filter.MinDurationSec is null && filter.MaxDurationSec is null;

    /// <summary>The entries listed at <paramref name="now"/>: the live ones and those ended within the grace period.</summary>
    private CompactBitmap Listed(DateTimeOffset now)
    {
        var since = now.UtcTicks - _grace.Ticks; // ended after it
        var ended = Exact(_ends, since + 1, MaxTicks, e => e.Card.EndedAt!.Value.UtcTicks > since);
        return CompactBitmap.Or(_live, ended);
    }

    /// <summary>The slots filed in [from, to], those of the partial minutes at its ends checked by <paramref name="exact"/>.</summary>
    private CompactBitmap Exact(TimeBuckets buckets, long from, long to, Func<SessionEntry, bool> exact)
    {
        var sure = new CompactBitmap();
        var edge = new CompactBitmap();
        buckets.Collect(from, to, sure, edge);
        foreach (var slot in edge.Values())
        {
            if (exact(_entries[slot]!)) sure.Add(slot);
        }
        return sure;
    }

    /// <summary>The slots of <paramref name="universe"/> whose entries match the filter (<see cref="SessionRules.Matches"/>), exactly. The answer may be one of the index's own sets: read it, never change it.</summary>
    private CompactBitmap Match(LiveFilter filter, DateTimeOffset now, CompactBitmap universe)
    {
        var sets = new List<CompactBitmap>(8) { universe };
        if (filter.Teams is { Count: > 0 } teams) sets.Add(AnyOf(_teams, teams));
        if (filter.Owners is { Count: > 0 } owners) sets.Add(AnyOf(_owners, owners));
        if (filter.Channels is { Count: > 0 } channels) sets.Add(AnyOf(_channels, channels));
        if (filter.Agents is { Count: > 0 } agents) sets.Add(AnyOf(_agents, agents));
        if (filter.Priorities is { Count: > 0 } priorities) sets.Add(AnyOf(_priorities, priorities));
        if (filter.Statuses is { Count: > 0 } statuses) sets.Add(AnyOf(_states, statuses));
        var keyword = string.IsNullOrEmpty(filter.Q) ? null : filter.Q;
        var verify = false;
        if (keyword is not null)
        {
            // Without grams yet, every slot is a candidate: each one's texts are checked.
            if (_grams is null) verify = true;
            else
            {
                sets.Add(_grams.Candidates(keyword, out var exact) ?? new CompactBitmap());
                verify = !exact;
            }
        }
        sets.Sort((a, b) => a.Cardinality.CompareTo(b.Cardinality));
        var result = sets[0];
        for (var i = 1; i < sets.Count && !result.IsEmpty; i++) result = CompactBitmap.And(result, sets[i]);

        if ((filter.MinDurationSec is not null || filter.MaxDurationSec is not null) && !result.IsEmpty) result = MatchDuration(filter, now, result);
        if (verify && keyword is not null && !result.IsEmpty)
        {
            var mentioned = new CompactBitmap();
            foreach (var slot in result.Values())
            {
                if (_entries[slot]!.Mentions(keyword)) mentioned.Add(slot);
            }
            result = mentioned;
        }
        return result;
    }

    /// <summary>
    /// The duration filter: for live entries a range of start times (whole buckets, then the partial minutes at its
    /// ends one by one); ended entries (the few in the universe) one by one.
    /// </summary>
    private CompactBitmap MatchDuration(LiveFilter filter, DateTimeOffset now, CompactBitmap candidates)
    {
        bool Fits(SessionEntry e)
        {
            var seconds = SessionRules.DurationSeconds(e.Card, now);
            return !(filter.MinDurationSec is { } min && seconds < min) && !(filter.MaxDurationSec is { } max && seconds > max);
        }
        var live = CompactBitmap.And(candidates, _live);
        var result = new CompactBitmap();
        foreach (var slot in CompactBitmap.AndNot(candidates, _live).Values())
        {
            if (Fits(_entries[slot]!)) result.Add(slot);
        }
        if (Math.Abs((long?)filter.MinDurationSec ?? 0) > ExactDurationLimit || Math.Abs((long?)filter.MaxDurationSec ?? 0) > ExactDurationLimit)
        {
            foreach (var slot in live.Values())
            {
                if (Fits(_entries[slot]!)) result.Add(slot);
            }
            return result;
        }
        // duration = now - start: at most max ⇔ start ≥ now - max; at least min ⇔ start ≤ now - min.
        var from = filter.MaxDurationSec is { } most ? now.UtcTicks - most * TimeSpan.TicksPerSecond : 0;
        var to = filter.MinDurationSec is { } least ? Math.Min(MaxTicks, now.UtcTicks - least * TimeSpan.TicksPerSecond) : MaxTicks;
        var sure = new CompactBitmap();
        var edge = new CompactBitmap();
        _starts.Collect(from, to, sure, edge);
        result.UnionWith(CompactBitmap.And(live, sure));
        foreach (var slot in CompactBitmap.And(live, edge).Values())
        {
            if (Fits(_entries[slot]!)) result.Add(slot);
        }
        return result;
    }

    private static CompactBitmap AnyOf<TKey>(Dictionary<TKey, CompactBitmap> values, IReadOnlyList<TKey> wanted) where TKey : notnull
    {
        CompactBitmap? result = null;
        foreach (var value in wanted.Distinct())
        {
            if (!values.TryGetValue(value, out var slots)) continue;
            result = result is null ? slots : CompactBitmap.Or(result, slots);
        }
        return result ?? new CompactBitmap();
    }

    /// <summary>Moves a slot from what <paramref name="old"/> files it under to what <paramref name="now"/> does, touching only what changed.</summary>
    private void Reindex(int slot, SessionEntry? old, SessionEntry? now)
    {
        if (old is not null && old.Card.EndedAt is null) LiveCount--;
        if (now is not null && now.Card.EndedAt is null) LiveCount++;
        if (old is not null && SessionRules.CountsForAgent(old) && --_agentSessions[old.Card.AgentId!] == 0) _agentSessions.Remove(old.Card.AgentId!);
        if (now is not null && SessionRules.CountsForAgent(now)) _agentSessions[now.Card.AgentId!] = _agentSessions.GetValueOrDefault(now.Card.AgentId!) + 1;

        // Broadcast-only entries are never listed nor counted: no query set holds them.
        var a = old is { BroadcastOnly: false } ? old : null;
        var b = now is { BroadcastOnly: false } ? now : null;
        if (a is null && b is null) return;
        File(_teams, slot, a?.Card.TeamId, b?.Card.TeamId);
        File(_owners, slot, a?.Card.OwnerId, b?.Card.OwnerId);
        File(_channels, slot, a?.Card.Channel, b?.Card.Channel);
        File(_agents, slot, a?.Card.AgentId, b?.Card.AgentId);
        FileValue(_priorities, slot, a?.Card.Priority, b?.Card.Priority);
        FileValue(_states, slot, a?.Card.State, b?.Card.State);
        var wasLive = a is not null && a.Card.EndedAt is null;
        var isLive = b is not null && b.Card.EndedAt is null;
        if (wasLive && !isLive) _live.Remove(slot);
        else if (isLive && !wasLive) _live.Add(slot);
        if (a?.Card.StartedAt != b?.Card.StartedAt || a is null || b is null)
        {
            if (a is not null) _starts.Remove(slot, a.Card.StartedAt.UtcTicks);
            if (b is not null) _starts.Add(slot, b.Card.StartedAt.UtcTicks);
        }
        if (a?.Card.EndedAt != b?.Card.EndedAt || a is null || b is null)
        {
            if (a?.Card.EndedAt is { } wasEnded) _ends.Remove(slot, wasEnded.UtcTicks);
            if (b?.Card.EndedAt is { } isEnded) _ends.Add(slot, isEnded.UtcTicks);
        }
        if (!ReferenceEquals(a?.Replies, b?.Replies))
        {
            if (a is not null) FileReplies(slot, a.Replies, remove: true);
            if (b is not null) FileReplies(slot, b.Replies, remove: false);
        }
        if (!ReferenceEquals(a?.Interventions, b?.Interventions))
        {
            if (a is not null) FileInterventions(slot, a.Interventions, remove: true);
            if (b is not null) FileInterventions(slot, b.Interventions, remove: false);
        }
        if (_grams is not null) _grams.Update(slot, a?.SearchTexts ?? [], b?.SearchTexts ?? []);
        else _gramsBehind!.TryAdd(slot, a?.SearchTexts ?? []); // the first change since the build's entries: what it files
    }

    private static void File<TKey>(Dictionary<TKey, CompactBitmap> values, int slot, TKey? old, TKey? now) where TKey : notnull
    {
        if (EqualityComparer<TKey?>.Default.Equals(old, now)) return;
        if (old is not null)
        {
            var slots = values[old];
            slots.Remove(slot);
            if (slots.IsEmpty) values.Remove(old);
        }
        if (now is not null)
        {
            if (!values.TryGetValue(now, out var slots)) values.Add(now, slots = new CompactBitmap());
            slots.Add(slot);
        }
    }

    private static void FileValue<TKey>(Dictionary<TKey, CompactBitmap> values, int slot, TKey? old, TKey? now) where TKey : struct
    {
        if (Nullable.Equals(old, now)) return;
        if (old is { } was)
        {
            var slots = values[was];
            slots.Remove(slot);
            if (slots.IsEmpty) values.Remove(was);
        }
        if (now is { } value)
        {
            if (!values.TryGetValue(value, out var slots)) values.Add(value, slots = new CompactBitmap());
            slots.Add(slot);
        }
    }

    private void FileReplies(int slot, IReadOnlyList<ReplySample> replies, bool remove)
    {
        if (replies.Count == 0) return;
        foreach (var (minute, (count, sum)) in RepliesPerMinute(replies))
        {
            if (remove) _replies.Remove(slot, minute * Minute, count, sum);
            else _replies.Add(slot, minute * Minute, count, sum);
        }
    }

    private void FileInterventions(int slot, IReadOnlyList<DateTimeOffset> interventions, bool remove)
    {
        if (interventions.Count == 0) return;
        foreach (var minute in InterventionMinutes(interventions))
        {
            if (remove) _interventions.Remove(slot, minute * Minute);
            else _interventions.Add(slot, minute * Minute);
        }
    }

    /// <summary>The replies' count and sum of response times per minute (the sums added in the replies' order: a bulk build files the same figures).</summary>
    private Dictionary<long, (int Count, long Sum)> RepliesPerMinute(IReadOnlyList<ReplySample> replies)
    {
        _perMinute.Clear();
        foreach (var reply in replies)
        {
            var minute = reply.At.UtcTicks / Minute;
            var (count, sum) = _perMinute.GetValueOrDefault(minute);
            _perMinute[minute] = (count + 1, sum + MetricsPart.Micros(reply.Milliseconds));
        }
        return _perMinute;
    }

    /// <summary>The minutes with an intervention, each once.</summary>
    private Dictionary<long, (int Count, long Sum)>.KeyCollection InterventionMinutes(IReadOnlyList<DateTimeOffset> interventions)
    {
        _perMinute.Clear();
        foreach (var at in interventions) _perMinute[at.UtcTicks / Minute] = default;
        return _perMinute.Keys;
    }
}

/// <summary>Keyword grams built apart from their index (<see cref="LiveIndex.BuildKeywords"/>), for it to adopt.</summary>
public sealed class KeywordGrams
{
    internal KeywordGrams(GramIndex grams) => Grams = grams;

    internal GramIndex Grams { get; }
}

using LiveOrleans.Views;
using LiveOrleans.Views.Index;

namespace LiveOrleans.Grains.Tests.Index;

/// <summary>
/// The live index against a brute force over the same entries with <see cref="SessionRules"/>: random sessions, random
/// changes between queries, random filters of every dimension and a clock moving forward; pages (total, items,
/// more), paging by cursor while the entries change, and the metrics bar must be the brute force's.
/// </summary>
[Trait("Category", "unit")]
public sealed class LiveIndexPropertyTests
{
    internal static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);
    private static readonly string?[] Teams = [null, "t1", "t2", "t3"];
    private static readonly string?[] Owners = [null, "o1", "o2", "o3", "o4"];
    private static readonly string?[] Channels = [null, "web", "sms", "whatsapp"];
    private static readonly string?[] Agents = [null, "a1", "a2", "a3"];

    // Words with letters OrdinalIgnoreCase folds (é/É, Σ/σ/ς, Cyrillic), ones it does not (ß/SS, İ/ı/i/I), and surrogate pairs (Deseret 𐐀/𐐨).
    private static readonly string[] Words =
    [
        "hello", "Refund", "ORDER", "café", "CAFÉ", "straße", "STRASSE", "Σοφία", "σοφίας", "ΣΟΦΊΑΣ", "İstanbul", "ıiIİ", "istanbul",
        "Привет", "привет", "ПРИВЕТ", "ёЁ", "\U00010400\U00010428", "\U00010428x", "naïve", "x", "ab", "ǅǆǄ", "ﬀ", "Ω", "ω", "K", "ſtraße", "\u212Aelvin", "µ", "Μ",
    ];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 200)];

    /// <summary>The entries, the index over them, and whoever else must hear of each change (the window book's tests).</summary>
    internal sealed class World(Random random, DateTimeOffset now)
    {
        public readonly Dictionary<string, SessionEntry> Entries = new(StringComparer.Ordinal);
        public readonly LiveIndex Index = new(Grace);
        public DateTimeOffset Now = now;
        public int Ids;
        public long Position;
        public Action<SessionEntry?, SessionEntry?>? Changed;

        /// <summary>Another index given every change too (a bulk-built one, say).</summary>
        public LiveIndex? Twin;

        public void Upsert(SessionEntry entry)
        {
            var old = Index.Get(entry.SessionId);
            Entries[entry.SessionId] = entry;
            Index.Upsert(entry);
            Twin?.Upsert(entry);
            Changed?.Invoke(old, entry);
        }

        public void Remove(string id)
        {
            var old = Index.Get(id);
            var removed = Entries.Remove(id);
            Assert.Equal(removed, Index.Remove(id));
            if (Twin is not null) Assert.Equal(removed, Twin.Remove(id));
            if (old is not null) Changed?.Invoke(old, null);
        }

        public string AnyId() => Entries.Keys.ElementAt(random.Next(Entries.Count));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Pages_and_metrics_are_the_brute_force_s(int seed)
    {
        var random = new Random(seed);
        // Not on a minute: the buckets' edges fall anywhere.
        var world = new World(random, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.TicksPerHour)));
        var size = seed % 20 == 0 ? 3_000 + random.Next(3_000) : 20 + random.Next(200);
        for (var i = 0; i < size; i++) world.Upsert(NewEntry(random, world, $"s{world.Ids++:D5}"));
        for (var step = 0; step < 12; step++)
        {
            Change(random, world, 1 + random.Next(Math.Max(2, world.Entries.Count / 8)));
            world.Now += random.Next(4) switch
            {
                0 => TimeSpan.Zero,
                1 => TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerSecond * 5)),
                2 => TimeSpan.FromSeconds(random.Next(120)),
                _ => TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerMinute * 30)),
            };
            // The metrics bar of several filters in one walk (the dashboards' replica) equals each filter's own.
            var several = Enumerable.Range(0, random.Next(1, 12)).Select(_ => RandomFilter(random, world)).ToList();
            var together = SessionRules.Metrics(world.Entries.Values, several, world.Now, Grace);
            for (var f = 0; f < several.Count; f++) Assert.Equal(SessionRules.Metrics(world.Entries.Values, several[f], world.Now, Grace), together[f]);
            for (var q = 0; q < 4; q++)
            {
                var filter = RandomFilter(random, world);
                AssertMetrics(world, filter);
                var limit = random.Next(3) == 0 ? random.Next(0, 3) : random.Next(1, 40);
                AssertPage(world, filter, limit, RandomCursor(random, world));
            }
            AssertListOrder(random, world);
        }
        // Paging through the whole list while sessions change between pages.
        var paging = RandomFilter(random, world, sparse: true);
        SessionListPosition? cursor = null;
        for (var page = 0; page < 200; page++)
        {
            var answer = AssertPage(world, paging, 1 + random.Next(15), cursor);
            if (!answer.More) break;
            cursor = new SessionListPosition(answer.Items[^1].Card.LastActivityAt, answer.Items[^1].SessionId);
            Change(random, world, random.Next(4));
            world.Now += TimeSpan.FromSeconds(random.Next(20));
        }
    }

    [Fact]
    public void Keyword_filters_ignore_case_as_ordinal_comparisons_do()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var world = new World(new Random(7), now);
        string[] texts = ["Café au lait", "STRASSE 5", "Straße 6", "ΣΟΦΟΣ", "σοφος", "İzmir", "ıstanbul", "Istanbul", "ПРИВЕТ мир", "\U00010400 deseret"];
        for (var i = 0; i < texts.Length; i++) world.Upsert(Entry($"k{i}", now, now.AddMinutes(-5), texts: [texts[i]]));
        foreach (var q in new[] { "é", "É", "CAFÉ", "ß", "ss", "SS", "σοφοσ", "ΣΟΦΟς", "ς", "i", "I", "İ", "ı", "привет", "Мир", "\U00010428", "\U00010400", "x" })
        {
            var filter = new LiveFilter { Q = q };
            var expected = world.Entries.Values.Where(e => e.Mentions(q)).Select(e => e.SessionId).Order(StringComparer.Ordinal);
            Assert.Equal(expected, world.Index.Page(filter, 100, null, now).Items.Select(e => e.SessionId).Order(StringComparer.Ordinal));
        }
        // Σ, σ and ς are one letter to the ordinal comparison's simple upper-case mapping; ß and SS are not.
        Assert.Equal(2, world.Index.Page(new LiveFilter { Q = "σοφος" }, 10, null, now).Total);
        Assert.Equal(1, world.Index.Page(new LiveFilter { Q = "ß" }, 10, null, now).Total);
    }

    [Fact]
    public void Search_folding_never_tells_apart_chars_the_ordinal_comparison_equates()
    {
        // Chars equal ignoring case have equal ordinal-ignore-case hash codes: within each group of equal codes, equal chars must fold alike.
        // And a char folds to one equal to it, so folding never joins chars the comparison keeps apart (ſ and S, say).
        var groups = new Dictionary<int, List<char>>();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var ch = (char)c;
            if (char.IsSurrogate(ch)) continue;
            Assert.True(string.Equals(ch.ToString(), GramIndex.Fold(ch).ToString(), StringComparison.OrdinalIgnoreCase), $"U+{c:X4} folds to a char it is not equal to");
            var hash = string.GetHashCode(ch.ToString(), StringComparison.OrdinalIgnoreCase);
            if (!groups.TryGetValue(hash, out var group)) groups.Add(hash, group = []);
            group.Add(ch);
        }
        foreach (var group in groups.Values)
        {
            foreach (var x in group)
            {
                foreach (var y in group)
                {
                    if (string.Equals(x.ToString(), y.ToString(), StringComparison.OrdinalIgnoreCase))
                        Assert.True(GramIndex.Fold(x) == GramIndex.Fold(y), $"U+{(int)x:X4} and U+{(int)y:X4} are equal ignoring case but fold apart");
                }
            }
        }
        Assert.Equal(GramIndex.Fold('σ'), GramIndex.Fold('ς'));
        Assert.Equal(GramIndex.Fold('é'), GramIndex.Fold('É'));
        Assert.Equal(GramIndex.Fold('ж'), GramIndex.Fold('Ж'));
        Assert.NotEqual(GramIndex.Fold('ſ'), GramIndex.Fold('s'));
        Assert.Equal(GramIndex.Fold('\uD801'), GramIndex.Fold('\uDC28')); // surrogates: one char for all
    }

    internal static SessionEntry NewEntry(Random random, World world, string id)
    {
        var now = world.Now;
        var started = now - TimeSpan.FromTicks(random.NextInt64(-TimeSpan.TicksPerSecond * 30, TimeSpan.TicksPerHour * 3));
        // Some share an activity time, so the list order falls back on the id.
        var last = random.Next(5) == 0 ? now.AddSeconds(-random.Next(3)) : started + TimeSpan.FromTicks(random.NextInt64(Math.Max(1, (now - started).Ticks)));
        DateTimeOffset? ended = random.Next(10) switch
        {
            < 5 => null,
            5 or 6 => now - TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerSecond * 90)), // around the grace period
            _ => now - TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerHour * 2)), // around the metrics window
        };
        var state = ended is not null && random.Next(4) > 0 ? LiveState.Ended : (LiveState)random.Next(6);
        return Entry(id, now, started, last, ended, state,
            team: Pick(random, Teams), owner: Pick(random, Owners), channel: Pick(random, Channels), agent: Pick(random, Agents),
            priority: (Priority)random.Next(4), broadcast: random.Next(10) == 0, texts: Texts(random),
            replies: [.. Enumerable.Range(0, random.Next(5)).Select(_ => new ReplySample(AroundWindow(random, now), Math.Round(random.NextDouble() * 5_000, 3)))],
            interventions: [.. Enumerable.Range(0, random.Next(3) == 0 ? random.Next(1, 3) : 0).Select(_ => AroundWindow(random, now))],
            position: ++world.Position);
    }

    /// <summary>In the last hour, around its start, or a little in the future.</summary>
    private static DateTimeOffset AroundWindow(Random random, DateTimeOffset now) => random.Next(3) switch
    {
        0 => now - SessionRules.MetricsWindow + TimeSpan.FromTicks(random.NextInt64(-TimeSpan.TicksPerMinute * 2, TimeSpan.TicksPerMinute * 2)),
        1 => now + TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerSecond * 10)),
        _ => now - TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerHour)),
    };

    private static string[] Texts(Random random)
        => [.. Enumerable.Range(0, random.Next(4)).Select(_ => string.Join(random.Next(3) == 0 ? "" : " ", Enumerable.Range(0, 1 + random.Next(4)).Select(_ => Words[random.Next(Words.Length)])))];

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static SessionEntry Entry(string id, DateTimeOffset now, DateTimeOffset started, DateTimeOffset? last = null, DateTimeOffset? ended = null,
        LiveState state = LiveState.Active, string? team = null, string? owner = null, string? channel = null, string? agent = null,
        Priority priority = Priority.Normal, bool broadcast = false, IReadOnlyList<string>? texts = null, IReadOnlyList<ReplySample>? replies = null,
        IReadOnlyList<DateTimeOffset>? interventions = null, long position = 1)
        => new(position, 0,
            new SessionCard(id, agent, null, null, channel, new UserView("u", null), started, last ?? now, state, priority, "", owner, team,
                ConversationStatus.Open, false, ended),
            broadcast, texts ?? [], null, replies ?? [], interventions ?? []);

    /// <summary>Random changes: new sessions, removals, and replacements that change some parts and keep others (the same lists, by reference).</summary>
    internal static void Change(Random random, World world, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var kind = world.Entries.Count == 0 ? 0 : random.Next(6);
            if (kind == 0) world.Upsert(NewEntry(random, world, $"s{world.Ids++:D5}"));
            else if (kind == 1) world.Remove(random.Next(8) == 0 ? "nobody" : world.AnyId());
            else
            {
                var old = world.Entries[world.AnyId()];
                var fresh = NewEntry(random, world, old.SessionId);
                var card = old.Card;
                var changed = old with { Position = fresh.Position };
                if (random.Next(2) == 0) card = card with { LastActivityAt = world.Now - TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerSecond * 5)) };
                if (random.Next(3) == 0) card = card with { State = fresh.Card.State, EndedAt = fresh.Card.EndedAt };
                if (random.Next(4) == 0) card = card with { TeamId = fresh.Card.TeamId, OwnerId = fresh.Card.OwnerId, Channel = fresh.Card.Channel, AgentId = fresh.Card.AgentId };
                if (random.Next(4) == 0) card = card with { Priority = fresh.Card.Priority, StartedAt = fresh.Card.StartedAt };
                changed = changed with { Card = card };
                if (random.Next(3) == 0) changed = changed with { SearchTexts = random.Next(2) == 0 ? [.. old.SearchTexts, .. fresh.SearchTexts] : fresh.SearchTexts };
                if (random.Next(4) == 0) changed = changed with { SearchTexts = [.. old.SearchTexts] }; // equal, not the same list
                if (random.Next(3) == 0) changed = changed with { Replies = [.. old.Replies.Skip(1), .. fresh.Replies] };
                if (random.Next(4) == 0) changed = changed with { Interventions = fresh.Interventions };
                if (random.Next(10) == 0) changed = changed with { BroadcastOnly = !old.BroadcastOnly };
                world.Upsert(random.Next(10) == 0 ? fresh : changed);
            }
        }
    }

    internal static LiveFilter RandomFilter(Random random, World world, bool sparse = false)
    {
        var p = sparse ? 6 : 3;
        IReadOnlyList<string>? Some(string?[] values)
            => random.Next(p) != 0 ? null : [.. Enumerable.Range(0, 1 + random.Next(2)).Select(_ => random.Next(8) == 0 ? "unknown" : values[1 + random.Next(values.Length - 1)]!)];
        string? keyword = null;
        if (random.Next(p) == 0)
        {
            var length = 1 + random.Next(6);
            var texts = world.Entries.Values.SelectMany(e => e.SearchTexts).Where(t => t.Length >= length).ToArray();
            if (texts.Length > 0 && random.Next(4) > 0)
            {
                var text = texts[random.Next(texts.Length)];
                keyword = text.Substring(random.Next(text.Length - length + 1), length);
                keyword = random.Next(3) switch { 0 => keyword.ToUpperInvariant(), 1 => keyword.ToLowerInvariant(), _ => keyword };
            }
            else keyword = string.Concat(Enumerable.Range(0, length).Select(_ => Words[random.Next(Words.Length)][0]));
        }
        int? Duration() => random.Next(p + 1) != 0 ? null : random.Next(10) == 0 ? -random.Next(60) : random.Next(3 * 3600);
        return new LiveFilter
        {
            Teams = Some(Teams),
            Owners = Some(Owners),
            Channels = Some(Channels),
            Agents = Some(Agents),
            Priorities = random.Next(p) == 0 ? [.. Enumerable.Range(0, 1 + random.Next(2)).Select(_ => (Priority)random.Next(4))] : null,
            Statuses = random.Next(p) == 0 ? [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => (LiveState)random.Next(6))] : null,
            Q = keyword ?? (random.Next(20) == 0 ? "" : null),
            MinDurationSec = Duration(),
            MaxDurationSec = Duration(),
        };
    }

    /// <summary>None, a listed session's position, or a position no session has.</summary>
    internal static SessionListPosition? RandomCursor(Random random, World world)
    {
        if (random.Next(3) == 0 || world.Entries.Count == 0) return null;
        var entry = world.Entries[world.AnyId()];
        return random.Next(3) == 0
            ? new SessionListPosition(entry.Card.LastActivityAt.AddTicks(random.Next(-3, 3)), entry.SessionId + (random.Next(2) == 0 ? "~" : ""))
            : new SessionListPosition(entry.Card.LastActivityAt, entry.SessionId);
    }

    private static LivePage AssertPage(World world, LiveFilter filter, int limit, SessionListPosition? after)
    {
        var matching = world.Entries.Values.Where(e => SessionRules.IsListed(e, world.Now, Grace) && SessionRules.Matches(e, filter, world.Now)).ToList();
        var following = matching.Where(e => LiveIndex.IsAfter(e.Card, after)).Select(e => e.Card).ToList();
        following.Sort(SessionRules.CompareForList);
        var page = world.Index.Page(filter, limit, after, world.Now);
        Assert.Equal(matching.Count, page.Total);
        Assert.Equal(following.Take(limit).Select(c => c.SessionId), page.Items.Select(e => e.SessionId));
        Assert.All(page.Items, e => Assert.Same(world.Entries[e.SessionId], e));
        Assert.Equal(following.Count > limit, page.More);
        return page;
    }

    private static void AssertMetrics(World world, LiveFilter filter)
    {
        var expected = MetricsPart.Empty;
        foreach (var entry in world.Entries.Values)
        {
            if (entry.BroadcastOnly || !SessionRules.Matches(entry, filter, world.Now)) continue;
            expected = expected.Add(SessionRules.Metrics(entry, world.Now, Grace));
        }
        // Reply times are summed as whole microseconds: equal exactly, in any order.
        Assert.Equal(expected, world.Index.Metrics(filter, world.Now));
    }

    private static void AssertListOrder(Random random, World world)
    {
        var ordered = world.Entries.Values.Select(e => e.Card).ToList();
        ordered.Sort(SessionRules.CompareForList);
        Assert.Equal(ordered.Select(c => c.SessionId), world.Index.InListOrder().Select(e => e.SessionId));
        Assert.Equal(ordered.Select(c => c.SessionId).Reverse(), world.Index.FromLeastRecent().Select(e => e.SessionId));
        var after = RandomCursor(random, world);
        Assert.Equal(ordered.Where(c => LiveIndex.IsAfter(c, after)).Select(c => c.SessionId), world.Index.InListOrder(after).Select(e => e.SessionId));
        Assert.Equal(world.Entries.Count, world.Index.Count);
        Assert.Equal(world.Entries.Values.Count(e => e.Card.EndedAt is null), world.Index.LiveCount);
        var byAgent = world.Entries.Values.Where(SessionRules.CountsForAgent).GroupBy(e => e.Card.AgentId!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(byAgent.OrderBy(p => p.Key, StringComparer.Ordinal), world.Index.LiveSessionsByAgent().OrderBy(p => p.Key, StringComparer.Ordinal));
        foreach (var id in world.Entries.Keys.Take(20)) Assert.Same(world.Entries[id], world.Index.Get(id));
        Assert.Null(world.Index.Get("nobody"));
    }
}

using LiveOrleans.Views;
using LiveOrleans.Views.Index;
using static LiveOrleans.Grains.Tests.Index.LiveIndexPropertyTests;

namespace LiveOrleans.Grains.Tests.Index;

/// <summary>
/// The window book against a brute force with <see cref="SessionRules"/> over every entry: random sessions and filters
/// (the live index property tests' generator), random changes, nodes opening, sharing and releasing windows, leases
/// lapsing, and a clock stepping across the grace period and the metrics window. After every tick, each node's screen,
/// built only from what it was sent (the snapshot at open, then the deltas), is the brute force's top N, total and
/// metrics at that time; and each window's prefix is the first matches in list order.
/// </summary>
[Trait("Category", "unit")]
public sealed class WindowBookPropertyTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly string[] Nodes = ["n1", "n2", "n3"];
    private static readonly int[] Sizes = [1, 2, 3, 5, 8];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 150)];

    private sealed class Screen(LiveFilter filter, int size, WindowState state)
    {
        public readonly LiveFilter Filter = filter;
        public readonly int Size = size;
        public readonly Dictionary<string, SessionCard> Cards = state.Top.ToDictionary(c => c.SessionId, StringComparer.Ordinal);
        public int Total = state.Total;
        public MetricsPart Metrics = state.Metrics;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Screens_built_from_the_deltas_are_the_brute_force_s(int seed)
    {
        var random = new Random(seed);
        var world = new World(random, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.TicksPerHour)));
        var size = 20 + random.Next(seed % 10 == 0 ? 600 : 150);
        // The book starts over an index already filled, or an empty one.
        WindowBook? book = null;
        if (seed % 2 == 0)
        {
            book = new WindowBook(world.Index, Grace, Lease, world.Now);
            world.Changed = book.Changed;
        }
        for (var i = 0; i < size; i++) world.Upsert(NewEntry(random, world, $"s{world.Ids++:D5}"));
        if (book is null)
        {
            book = new WindowBook(world.Index, Grace, Lease, world.Now);
            world.Changed = book.Changed;
        }
        else Assert.Empty(book.Tick(world.Now));

        var filters = Enumerable.Range(0, 4 + random.Next(6)).Select(i => ($"f{i}", RandomFilter(random, world))).ToArray();
        var screens = new Dictionary<(string Node, int Window), Screen>();
        var leases = Nodes.ToDictionary(n => n, _ => DateTimeOffset.MinValue);
        for (var step = 0; step < 30; step++)
        {
            // Nodes open windows (new or shared), release them, renew their leases or let them lapse.
            for (var op = random.Next(4); op > 0; op--)
            {
                var node = Nodes[random.Next(Nodes.Length)];
                if (random.Next(3) > 0 || screens.Count == 0)
                {
                    var (key, filter) = filters[random.Next(filters.Length)];
                    var n = Sizes[random.Next(Sizes.Length)];
                    var state = book.Open(key, filter, n, node, world.Now);
                    leases[node] = world.Now + Lease;
                    // Nothing changed since the tick: the screen is the brute force's now.
                    var screen = new Screen(filter, n, state);
                    AssertScreen(world, screen, $"seed {seed} step {step}: {node} opened {key}/{n}");
                    screens[(node, state.Window)] = screen;
                }
                else
                {
                    var ((held, window), _) = screens.ElementAt(random.Next(screens.Count));
                    book.Release(window, held);
                    screens.Remove((held, window));
                }
            }
            foreach (var node in Nodes)
            {
                if (leases[node] > world.Now && random.Next(5) > 0)
                {
                    book.Renew(node, world.Now);
                    leases[node] = world.Now + Lease;
                }
            }

            Change(random, world, random.Next(Math.Max(2, world.Entries.Count / 6)));
            world.Now += random.Next(10) switch
            {
                0 => TimeSpan.Zero,
                1 or 2 => TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerSecond * 2)),
                3 or 4 or 5 => TimeSpan.FromSeconds(random.Next(90)),
                6 or 7 => TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerMinute * 30)),
                8 => TimeSpan.FromMinutes(59) + TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerMinute * 2)),
                _ => TimeSpan.FromSeconds(20),
            };
            book.ExpireNodes(world.Now);
            foreach (var lapsed in screens.Keys.Where(k => leases[k.Node] <= world.Now).ToList()) screens.Remove(lapsed);

            var ticks = book.Tick(world.Now);
            foreach (var (node, tick) in ticks)
            {
                Assert.Equal(world.Now, tick.Now);
                Assert.Equal(tick.Windows.Count, tick.Windows.Select(d => d.Window).Distinct().Count());
                foreach (var delta in tick.Windows)
                {
                    Assert.True(screens.TryGetValue((node, delta.Window), out var screen), $"seed {seed} step {step}: {node} got a delta of window {delta.Window} it does not hold");
                    foreach (var id in delta.Left) Assert.True(screen.Cards.Remove(id), $"{id} left but was not on the screen");
                    foreach (var card in delta.Upserted) screen.Cards[card.SessionId] = card;
                    screen.Total = delta.Total;
                    if (delta.Metrics is { } metrics) screen.Metrics = metrics;
                }
            }
            foreach (var ((node, window), screen) in screens) AssertScreen(world, screen, $"seed {seed} step {step}: {node} window {window}");
            foreach (var window in screens.Keys.Select(k => k.Window).Distinct())
            {
                var screen = screens.First(p => p.Key.Window == window).Value;
                var expected = Matching(world, screen.Filter);
                var prefix = book.PrefixOf(window);
                Assert.True(prefix.Count >= Math.Min(screen.Size, expected.Count), $"seed {seed} step {step}: window {window} prefix of {prefix.Count}, short of N");
                Assert.True(prefix.Count <= screen.Size + WindowBook.ReserveOf(screen.Size));
                Assert.Equal(expected.Take(prefix.Count).Select(e => e.SessionId), prefix.Select(e => e.SessionId));
                Assert.All(prefix, e => Assert.Same(world.Entries[e.SessionId], e));
            }
        }
        // Every lease lapses: no window is left.
        world.Now += Lease;
        book.ExpireNodes(world.Now);
        Assert.Equal(0, book.Count);
    }

    [Fact]
    public void A_window_changes_by_time_alone()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var world = new World(new Random(1), now);
        var card = new SessionCard("e1", null, null, null, null, new UserView("u", null), now.AddMinutes(-10), now.AddMinutes(-1), LiveState.Ended,
            Priority.Normal, "", null, null, ConversationStatus.Open, false, now.AddSeconds(-30));
        world.Upsert(new SessionEntry(1, 0, card, false, [], null, [new ReplySample(now.AddMinutes(-59), 1500.0004)], []));
        var book = new WindowBook(world.Index, Grace, Lease, now);
        var opened = book.Open("all", LiveFilter.All, 10, "n1", now);
        Assert.Equal((1, 1, 1, 1_500_000L), (opened.Total, opened.Metrics.LiveSessions, opened.Metrics.Replies, opened.Metrics.ReplyMicros));
        // The reply leaves the window a minute on, the card the list 30 s on (the grace period of 60 s after its end).
        var tick = book.Tick(now.AddSeconds(30)).Single().Value.Windows.Single();
        Assert.Equal(0, tick.Total);
        Assert.Equal(["e1"], tick.Left);
        Assert.Equal(MetricsPart.Empty with { StartedLastHour = 1, Replies = 1, ReplyMicros = 1_500_000, LiveInWindow = 1 }, tick.Metrics);
        Assert.Empty(book.Tick(now.AddSeconds(59)));
        Assert.Equal(MetricsPart.Empty with { StartedLastHour = 1, LiveInWindow = 1 }, book.Tick(now.AddSeconds(61)).Single().Value.Windows.Single().Metrics);
    }

    private static List<SessionEntry> Matching(World world, LiveFilter filter)
    {
        var matching = world.Entries.Values.Where(e => SessionRules.IsVisible(e, filter, world.Now, Grace)).ToList();
        matching.Sort((a, b) => SessionRules.CompareForList(a.Card, b.Card));
        return matching;
    }

    private static void AssertScreen(World world, Screen screen, string where)
    {
        var matching = Matching(world, screen.Filter);
        Assert.True(matching.Count == screen.Total, $"{where}: total {screen.Total}, expected {matching.Count}");
        var top = matching.Take(screen.Size).Select(e => e.Card).ToList();
        var shown = screen.Cards.Values.ToList();
        shown.Sort(SessionRules.CompareForList);
        Assert.True(top.Select(c => c.SessionId).SequenceEqual(shown.Select(c => c.SessionId)),
            $"{where}: top [{string.Join(", ", shown.Select(c => c.SessionId))}], expected [{string.Join(", ", top.Select(c => c.SessionId))}]");
        Assert.Equal(top, shown);
        Assert.Equal(SessionRules.Metrics(world.Entries.Values, screen.Filter, world.Now, Grace), screen.Metrics);
    }
}

using LiveOrleans.Views;
using LiveOrleans.Views.Index;
using static LiveOrleans.Grains.Tests.Index.LiveIndexPropertyTests;

namespace LiveOrleans.Grains.Tests.Index;

/// <summary>
/// <see cref="LiveIndex.Build"/> against the index of the same entries upserted one by one (itself checked against a
/// brute force by <see cref="LiveIndexPropertyTests"/>): every query kind must answer alike, exactly (the metrics'
/// sums of doubles included), right after the build and after random changes applied to both.
/// </summary>
[Trait("Category", "unit")]
public sealed class LiveIndexBuildTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 100)];

    // Fewer for the keywords-later build (its worlds go through three phases): still two large and three tiny ones.
    public static TheoryData<int> KeywordSeeds() => [.. Enumerable.Range(1, 25)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_bulk_build_answers_as_upserts_one_by_one_before_and_after_changes(int seed)
    {
        var (random, world, entries) = Seeded(seed);
        world.Twin = LiveIndex.Build(Grace, entries);
        Same(random, world);
        for (var step = 0; step < 8; step++)
        {
            Change(random, world, 1 + random.Next(Math.Max(2, world.Entries.Count / 6)));
            world.Now += TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerMinute * 20));
            Same(random, world);
        }
    }

    [Fact]
    public void A_build_across_many_chunks_answers_as_upserts_one_by_one()
    {
        // More than two chunks of slots (65,536 each): the keyword grams' two halves meet inside a chunk.
        var random = new Random(19);
        var world = new World(random, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var entries = new List<SessionEntry>();
        for (var i = 0; i < 140_000; i++)
        {
            var entry = NewEntry(random, world, $"s{world.Ids++:D6}");
            entries.Add(entry);
            world.Upsert(entry);
        }
        world.Twin = LiveIndex.Build(Grace, entries);
        Same(random, world, queries: 12);
        Change(random, world, 5_000);
        Same(random, world, queries: 12);
    }

    [Theory]
    [MemberData(nameof(KeywordSeeds))]
    public void A_build_with_its_keywords_later_answers_alike_before_during_and_after_adopting_them(int seed)
    {
        var (random, world, entries) = Seeded(seed);
        var twin = world.Twin = LiveIndex.Build(Grace, entries, keywordsLater: true);
        Assert.True(twin.KeywordsPending);
        Same(random, world);
        // Changes before the grams are built, while they are, and after: the adopted grams catch up with all of them.
        Change(random, world, 1 + random.Next(Math.Max(2, world.Entries.Count / 4)));
        Same(random, world);
        var built = twin.BuildKeywords();
        Change(random, world, 1 + random.Next(Math.Max(2, world.Entries.Count / 4)));
        world.Now += TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerMinute * 20));
        Same(random, world);
        twin.AdoptKeywords(built);
        Assert.False(twin.KeywordsPending);
        Same(random, world);
        for (var step = 0; step < 4; step++)
        {
            Change(random, world, 1 + random.Next(Math.Max(2, world.Entries.Count / 6)));
            Same(random, world);
        }
        Assert.Throws<InvalidOperationException>(() => twin.AdoptKeywords(built));
    }

    [Fact]
    public void Two_entries_of_one_session_are_refused()
    {
        var random = new Random(3);
        var world = new World(random, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var entry = NewEntry(random, world, "s1");
        Assert.Throws<ArgumentException>(() => LiveIndex.Build(Grace, [entry, NewEntry(random, world, "s2"), entry with { Position = 9 }]));
    }

    /// <summary>A world of the seed's entries, upserted one by one into its index, and the entries in that order.</summary>
    private static (Random Random, World World, List<SessionEntry> Entries) Seeded(int seed)
    {
        var random = new Random(seed);
        var world = new World(random, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.TicksPerHour)));
        // Some worlds large enough for bitset chunks (more than 4,096 slots in a set).
        var size = seed % 10 == 0 ? 5_000 + random.Next(5_000) : seed % 10 == 1 ? random.Next(3) : 20 + random.Next(300);
        var entries = new List<SessionEntry>(size);
        for (var i = 0; i < size; i++)
        {
            var entry = NewEntry(random, world, $"s{world.Ids++:D5}");
            entries.Add(entry);
            world.Upsert(entry);
        }
        return (random, world, entries);
    }

    /// <summary>Every query kind, of the world's index (upserts one by one) and of its twin (bulk-built), alike.</summary>
    private static void Same(Random random, World world, int queries = 24)
    {
        var expected = world.Index;
        var actual = world.Twin!;
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.LiveCount, actual.LiveCount);
        Assert.Equal(expected.LiveSessionsByAgent().OrderBy(p => p.Key, StringComparer.Ordinal), actual.LiveSessionsByAgent().OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(expected.InListOrder(), actual.InListOrder());
        Assert.Equal(expected.FromLeastRecent(), actual.FromLeastRecent());
        for (var i = 0; i < 4; i++)
        {
            var after = RandomCursor(random, world);
            Assert.Equal(expected.InListOrder(after).Take(200), actual.InListOrder(after).Take(200));
        }
        foreach (var id in world.Entries.Keys.Take(50).Append("nobody")) Assert.Same(expected.Get(id), actual.Get(id));
        for (var q = 0; q < queries; q++)
        {
            var filter = RandomFilter(random, world, sparse: random.Next(2) == 0);
            Assert.Equal(expected.Metrics(filter, world.Now), actual.Metrics(filter, world.Now));
            var limit = random.Next(3) == 0 ? random.Next(0, 3) : random.Next(1, 60);
            var cursor = RandomCursor(random, world);
            var a = expected.Page(filter, limit, cursor, world.Now);
            var b = actual.Page(filter, limit, cursor, world.Now);
            Assert.Equal(a.Total, b.Total);
            Assert.Equal(a.More, b.More);
            Assert.Equal<SessionEntry>(a.Items, b.Items, ReferenceEqualityComparer.Instance);
        }
        // A snapshot's pages (the grain's GetSnapshot walks the list order from a cursor).
        SessionListPosition? position = null;
        for (var page = 0; page < 5; page++)
        {
            var x = expected.InListOrder(position).Take(37).ToList();
            Assert.Equal(x, actual.InListOrder(position).Take(37));
            if (x.Count == 0) break;
            position = new SessionListPosition(x[^1].Card.LastActivityAt, x[^1].SessionId);
        }
    }
}

using LiveOrleans.Grains.Derived;
using LiveOrleans.Grains.Index;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LiveOrleans.Grains.Tests;

/// <summary>What keeps a large shard's memory down: one compaction after large loads, and entries that share what repeats.</summary>
[Trait("Category", "unit")]
public sealed class HeapMemoryTests
{
    private readonly FakeTimeProvider _clock = new();
    private int _collections;

    private HeapCompaction Compaction() => new(_clock, NullLogger<HeapCompaction>.Instance) { Collect = () => _collections++ };

    private HeapCompaction.Load Load(HeapCompaction compaction, int rows)
    {
        var load = compaction.Loading();
        load.Read(rows);
        return load;
    }

    [Fact]
    public void Small_loads_compact_nothing()
    {
        var compaction = Compaction();
        Load(compaction, HeapCompaction.LargeLoad - 1).Dispose();
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, _collections);
    }

    [Fact]
    public void Large_loads_compact_once_a_quiet_time_after_the_last_ends()
    {
        var compaction = Compaction();
        var shard = Load(compaction, 1_000_000);
        var reading = compaction.Loading(); // another load still reading: its size not known yet
        var day = Load(compaction, HeapCompaction.LargeLoad);
        day.Dispose();
        _clock.Advance(HeapCompaction.Quiet * 3);
        Assert.Equal(0, _collections); // the shard still builds its keyword grams

        shard.Dispose();
        shard.Dispose(); // ended once
        _clock.Advance(HeapCompaction.Quiet * 3);
        Assert.Equal(0, _collections); // the other load still reads

        reading.Read(12);
        reading.Dispose();
        _clock.Advance(HeapCompaction.Quiet - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _collections);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _collections);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, _collections);
    }

    [Fact]
    public void A_load_that_begins_in_the_quiet_time_postpones_the_compaction_and_small_ones_do_not_starve_it()
    {
        var compaction = Compaction();
        Load(compaction, 100_000).Dispose();
        _clock.Advance(HeapCompaction.Quiet / 2);
        var next = compaction.Loading();
        _clock.Advance(HeapCompaction.Quiet * 2);
        Assert.Equal(0, _collections); // the timer found a load under way

        next.Read(100_000);
        next.Dispose();
        _clock.Advance(HeapCompaction.Quiet);
        Assert.Equal(1, _collections);

        // A large load ends, then small ones keep coming and going: the quiet time still counts from the large one's end.
        Load(compaction, 100_000).Dispose();
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(HeapCompaction.Quiet / 4);
            Load(compaction, 10).Dispose();
        }
        Assert.Equal(2, _collections);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, _collections);
    }

    [Fact]
    public void A_settled_entry_equals_its_original_and_shares_repeated_ids_and_its_preview()
    {
        var ids = new StringPool();
        var first = Entry("s1", "Hello, I have a question about refund (order 1)");
        var second = Entry("s2", "Hello, I have a question about refund (order 2)");

        var one = LiveIndexGrain.Settle(first, ids);
        var two = LiveIndexGrain.Settle(second, ids);

        Assert.Equal(first.Card, one.Card);
        Assert.Equal(first.SearchTexts, one.SearchTexts);
        Assert.Equal(first.Replies, one.Replies);
        Assert.Equal(first.Interventions, one.Interventions);
        Assert.Equal((first.Position, first.Deltas, first.BroadcastOnly, first.WaitingSince), (one.Position, one.Deltas, one.BroadcastOnly, one.WaitingSince));
        Assert.NotSame(first.Card.AgentId, second.Card.AgentId);
        Assert.Same(one.Card.AgentId, two.Card.AgentId);
        Assert.Same(one.Card.Channel, two.Card.Channel);
        Assert.Same(one.Card.TeamId, two.Card.TeamId);
        Assert.Same(one.Card.OwnerId, two.Card.OwnerId);
        Assert.Same(one.SearchTexts[^1], one.Card.Preview);
        Assert.Same(one.Interventions, two.Interventions); // empty: one shared array

        // A preview that is not the newest text (cut, or an attachment's) is kept as it is.
        var cut = LiveIndexGrain.Settle(first with { Card = first.Card with { Preview = "Hello…" } }, ids);
        Assert.Equal("Hello…", cut.Card.Preview);
    }

    [Fact]
    public void The_pool_keeps_values_as_they_came_once_full()
    {
        var pool = new StringPool(capacity: 2);
        var a = pool.Share(Copy("a"));
        Assert.Same(a, pool.Share(Copy("a")));
        pool.Share(Copy("b"));
        var c = Copy("c");
        Assert.Same(c, pool.Share(c));
        Assert.NotSame(pool.Share(Copy("c")), c);
        Assert.Null(pool.Share(null));
        Assert.Equal(2, pool.Count);
    }

    // A new instance each time, as deserializing a row makes.
    private static string Copy(string value) => new(value.AsSpan());

    private static SessionEntry Entry(string id, string text)
    {
        var at = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
        var card = new SessionCard(id, Copy("bot7"), null, null, Copy("whatsapp"), new UserView(Copy("u1"), Copy("Customer")), at, at.AddMinutes(1),
            LiveState.Active, Priority.High, Copy(text), Copy("owner-3"), Copy("billing"), ConversationStatus.Open, true, null);
        return new SessionEntry(4, 0, card, false, new List<string> { Copy("older text"), Copy(text) }, at,
            new List<ReplySample> { new(at, 1200) }, new List<DateTimeOffset>());
    }
}

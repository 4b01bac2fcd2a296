using System.Text;
using LiveOrleans.Live;

namespace LiveOrleans.Silo.Tests;

/// <summary>The durable log on SQLite: group commit, positions, duplicates, streams, overload.</summary>
[Trait("Category", "store")]
public sealed class EventLogTests : IDisposable
{
    private readonly StoreFixture _store = new();

    public void Dispose() => _store.Dispose();

    private static LogAppend Entry(string id, string text = "x") => new(LogEntryKind.Event, id, Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Appends_made_at_once_share_transactions_and_each_gets_its_own_positions_in_order()
    {
        var appends = Enumerable.Range(0, 200)
            .Select(i => _store.Log.AppendAsync("t1", $"session/s{i}", [Entry($"e{i}-a"), Entry($"e{i}-b"), Entry($"e{i}-c")]))
            .ToArray();
        var outcomes = await Task.WhenAll(appends);

        var positions = outcomes.SelectMany(o => o.Select(p => p.Position)).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), positions);
        Assert.All(outcomes, o => Assert.True(o[0].Position < o[1].Position && o[1].Position < o[2].Position));
        Assert.All(outcomes, o => Assert.DoesNotContain(o, p => p.Duplicate));
        // 200 appends, far fewer fsyncs: that is the point of group commit.
        Assert.InRange(_store.Writer.Transactions, 1, 20);
        Assert.Equal(200, _store.Writer.CommittedWrites);
    }

    [Fact]
    public async Task A_repeated_id_is_a_duplicate_within_its_tenant_only_and_answers_where_the_first_is()
    {
        var first = await _store.Log.AppendAsync("t1", "session/a", [Entry("e1"), Entry("e2")]);
        var again = await _store.Log.AppendAsync("t1", "session/a", [Entry("e2"), Entry("e3"), Entry("e3")]);
        var otherTenant = await _store.Log.AppendAsync("t2", "session/a", [Entry("e1")]);

        Assert.Equal([new LogAppendOutcome(first[1].Position, true), new LogAppendOutcome(3, false), new LogAppendOutcome(3, true)], again);
        Assert.False(otherTenant[0].Duplicate);
        Assert.Equal([1L, 2L, 3L], (await _store.Log.ReadAsync("t1", "session/a", 0)).Select(r => r.Position));
    }

    [Fact]
    public async Task A_stream_is_read_back_in_order_after_a_position_and_changed_streams_are_the_tenants()
    {
        await _store.Log.AppendAsync("t1", "session/a", [Entry("a1", "one"), Entry("a2", "two")]);
        await _store.Log.AppendAsync("t1", "agent/x", [Entry("x1")]);
        await _store.Log.AppendAsync("t2", "session/b", [Entry("b1")]);
        await _store.Log.AppendAsync("t1", "session/a", [Entry("a3", "three")]);

        var tail = await _store.Log.ReadAsync("t1", "session/a", 1);
        Assert.Equal(["two", "three"], tail.Select(r => Encoding.UTF8.GetString(r.Payload)));
        Assert.Equal(["agent/x", "session/a"], (await _store.Log.ChangedStreamsAsync("t1", 1)).Order());
        Assert.Equal(["session/a"], await _store.Log.ChangedStreamsAsync("t1", 4));
        Assert.Empty(await _store.Log.ChangedStreamsAsync("t1", 5));
    }

    [Fact]
    public async Task The_stable_position_trails_commits_by_the_margin_and_starts_at_what_the_store_held()
    {
        Assert.Equal(0, _store.Log.StablePosition(TimeSpan.Zero));
        await _store.Log.AppendAsync("t1", "session/a", [Entry("a1"), Entry("a2")]);

        Assert.Equal(2, _store.Log.StablePosition(TimeSpan.Zero));
        Assert.Equal(0, _store.Log.StablePosition(TimeSpan.FromMinutes(1)));

        // A writer opened on the same file later starts from what is stored: all of it is older than the process.
        using var reopened = new SqliteWriter(_store.Database, new LogOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteWriter>.Instance);
        Assert.Equal(2, new SqliteEventLog(_store.Database, reopened).StablePosition(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Past_its_queue_limit_the_log_refuses_appends_as_overload()
    {
        using var store = new StoreFixture(new LogOptions { MaxPendingEntries = 10 });
        var first = store.Log.AppendAsync("t1", "session/a", [.. Enumerable.Range(0, 11).Select(i => Entry($"a{i}"))]);
        // The first batch is taken whatever its size (an empty queue never refuses); the second finds it still waiting.
        Assert.True(store.Writer.IsOverloaded);
        Assert.Throws<OverloadedException>(() => { _ = store.Log.AppendAsync("t1", "session/b", [.. Enumerable.Range(0, 11).Select(i => Entry($"b{i}"))]); });
        Assert.Equal(11, (await first).Length);
        Assert.False(store.Writer.IsOverloaded);
    }
}

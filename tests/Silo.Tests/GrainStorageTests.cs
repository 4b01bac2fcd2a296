using Orleans.Runtime;
using Orleans.Storage;

namespace LiveOrleans.Silo.Tests;

/// <summary>Grain snapshots: Orleans' serializer, ETag-checked writes, derived rows.</summary>
[Trait("Category", "store")]
public sealed class GrainStorageTests : IDisposable
{
    private readonly StoreFixture _store = new();

    public void Dispose() => _store.Dispose();

    [GenerateSerializer]
    public sealed class Counter
    {
        [Id(0)] public int Value { get; set; }
        [Id(1)] public List<string> Seen { get; set; } = [];
    }

    private static readonly GrainId Grain = GrainId.Create("counter", "t1/a");

    [Fact]
    public async Task A_snapshot_reads_back_as_written_with_a_new_version_each_time()
    {
        var state = new GrainState<Counter>(new Counter { Value = 3, Seen = ["a", "b"] });
        await _store.Grains.WriteStateAsync("c", Grain, state);
        var firstVersion = state.ETag;
        state.State!.Value = 4;
        await _store.Grains.WriteStateAsync("c", Grain, state);

        var read = new GrainState<Counter>(new Counter());
        await _store.Grains.ReadStateAsync("c", Grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(4, read.State!.Value);
        Assert.Equal(["a", "b"], read.State!.Seen);
        Assert.NotEqual(firstVersion, read.ETag);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task A_write_over_a_stale_version_fails_and_overwrites_nothing()
    {
        var original = new GrainState<Counter>(new Counter { Value = 1 });
        await _store.Grains.WriteStateAsync("c", Grain, original);
        var zombie = new GrainState<Counter>(new Counter());
        await _store.Grains.ReadStateAsync("c", Grain, zombie);
        var live = new GrainState<Counter>(new Counter());
        await _store.Grains.ReadStateAsync("c", Grain, live);

        live.State!.Value = 2;
        await _store.Grains.WriteStateAsync("c", Grain, live);
        zombie.State!.Value = 99;
        await Assert.ThrowsAsync<InconsistentStateException>(() => _store.Grains.WriteStateAsync("c", Grain, zombie));
        // A grain that never read (a second activation of a new grain) cannot create over an existing snapshot either.
        await Assert.ThrowsAsync<InconsistentStateException>(() => _store.Grains.WriteStateAsync("c", Grain, new GrainState<Counter>(new Counter { Value = 7 })));

        var read = new GrainState<Counter>(new Counter());
        await _store.Grains.ReadStateAsync("c", Grain, read);
        Assert.Equal(2, read.State!.Value);
    }

    [Fact]
    public async Task Derived_rows_are_saved_changed_and_deleted_row_by_row()
    {
        var claim0 = await _store.Rows.ClaimAsync("index/t1/0");
        var claim1 = await _store.Rows.ClaimAsync("index/t1/1");
        await _store.Rows.SaveAsync("index/t1/0", claim0, [new StoredRow("s1", [1]), new StoredRow("s2", [2]), new StoredRow("s3", [3])], []);
        await _store.Rows.SaveAsync("index/t1/0", claim0, [new StoredRow("s2", [22])], ["s3"]);
        await _store.Rows.SaveAsync("index/t1/1", claim1, [new StoredRow("s9", [9])], []);

        var rows = (await _store.Rows.ReadAllAsync("index/t1/0")).OrderBy(r => r.Key).ToArray();
        Assert.Equal(["s1", "s2"], rows.Select(r => r.Key));
        Assert.Equal([22], rows[1].Data);
    }

    [Fact]
    public async Task A_stale_activation_cannot_write_rows_once_a_newer_one_claimed_them()
    {
        var zombie = await _store.Rows.ClaimAsync("day/t1/2026-11-24");
        await _store.Rows.SaveAsync("day/t1/2026-11-24", zombie, [new StoredRow("s1", [1])], []);
        var live = await _store.Rows.ClaimAsync("day/t1/2026-11-24");
        Assert.True(live > zombie);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _store.Rows.SaveAsync("day/t1/2026-11-24", zombie, [new StoredRow("s1", [99]), new StoredRow("s2", [2])], ["s1"]));
        await _store.Rows.SaveAsync("day/t1/2026-11-24", live, [new StoredRow("s3", [3])], []);

        var rows = (await _store.Rows.ReadAllAsync("day/t1/2026-11-24")).OrderBy(r => r.Key).ToArray();
        Assert.Equal(["s1", "s3"], rows.Select(r => r.Key));
        Assert.Equal([1], rows[0].Data);
    }
}

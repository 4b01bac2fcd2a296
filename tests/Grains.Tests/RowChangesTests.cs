using LiveOrleans.Grains.Derived;
using LiveOrleans.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace LiveOrleans.Grains.Tests;

[Trait("Category", "unit")]
public sealed class RowChangesTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public async Task A_flush_of_more_rows_than_one_turn_serializes_writes_each_once_in_one_save()
    {
        var store = new RecordingStore();
        var rows = new RowChanges<string>(store, Serializer, "t/0");
        await rows.LoadAsync();
        var values = Enumerable.Range(0, 1_300).ToDictionary(i => $"k{i}", i => $"value {i}");
        foreach (var key in values.Keys) rows.Changed(key);
        rows.Changed("gone"); // changed, then no longer held: deleted
        rows.Removed("r1");

        await rows.FlushAsync(key => values.GetValueOrDefault(key));

        var save = Assert.Single(store.Saves);
        Assert.Equal(Written(values), Written(save.Upserts));
        Assert.Equal(["gone", "r1"], save.Deletes.Order(StringComparer.Ordinal));

        await rows.FlushAsync(key => values.GetValueOrDefault(key));
        Assert.Single(store.Saves); // nothing changed since
    }

    [Fact]
    public async Task A_failed_save_leaves_its_rows_to_the_next_flush_and_a_change_made_meanwhile_wins()
    {
        var store = new RecordingStore { FailNext = true };
        var rows = new RowChanges<string>(store, Serializer, "t/0");
        await rows.LoadAsync();
        var values = Enumerable.Range(0, 1_100).ToDictionary(i => $"k{i}", i => $"value {i}");
        foreach (var key in values.Keys) rows.Changed(key);
        rows.Removed("r1");

        // While the flush runs (it yields between slices), k5 is removed and r1 and "new" are changed.
        await Assert.ThrowsAsync<IOException>(() => rows.FlushAsync(key =>
        {
            if (key == "k1000")
            {
                values.Remove("k5");
                rows.Removed("k5");
                values["r1"] = "back";
                rows.Changed("r1");
                values["new"] = "new";
                rows.Changed("new");
            }
            return values.GetValueOrDefault(key);
        }));
        Assert.Empty(store.Saves);

        await rows.FlushAsync(key => values.GetValueOrDefault(key));

        var save = Assert.Single(store.Saves);
        Assert.Equal(Written(values), Written(save.Upserts));
        Assert.Equal(["k5"], save.Deletes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(4_096)]
    [InlineData(30_001)]
    public async Task A_load_deserializes_every_row_in_order_chunk_by_chunk_and_settles_each(int count)
    {
        var stored = Enumerable.Range(0, count).Select(i => new StoredRow($"k{i}", Serializer.SerializeToArray($"value {i}"))).ToArray();
        var store = new RecordingStore { Stored = stored };
        var rows = new RowChanges<string>(store, Serializer, "t/0");

        var loaded = await rows.LoadAsync(value => value.ToUpperInvariant());

        Assert.Equal(Enumerable.Range(0, count).Select(i => ($"k{i}", $"VALUE {i}")), loaded);
        Assert.InRange(store.LargestChunk, Math.Min(count, 1), 4_096);
        // Claimed by the load: a flush may follow.
        rows.Changed("k0");
        await rows.FlushAsync(_ => "new");
        Assert.Equal(["k0=new"], Written(Assert.Single(store.Saves).Upserts));
    }

    [Fact]
    public async Task A_row_that_cannot_be_read_fails_the_load_with_its_own_error()
    {
        var stored = Enumerable.Range(0, 30_001).Select(i => new StoredRow($"k{i}", Serializer.SerializeToArray($"value {i}"))).ToArray();
        stored[20_000] = new StoredRow("k20000", [0x20, 0xFF, 0xFF, 0xFF]); // no string Orleans wrote
        var rows = new RowChanges<string>(new RecordingStore { Stored = stored }, Serializer, "t/0");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => rows.LoadAsync());
        Assert.IsNotType<AggregateException>(error);
    }

    private static string[] Written(IReadOnlyDictionary<string, string> values)
        => [.. values.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal)];

    private static string[] Written(IReadOnlyList<StoredRow> rows)
        => [.. rows.Select(r => $"{r.Key}={Serializer.Deserialize<string>(r.Data)}").Order(StringComparer.Ordinal)];

    private sealed class RecordingStore : IRowStore
    {
        public List<(IReadOnlyList<StoredRow> Upserts, IReadOnlyList<string> Deletes)> Saves { get; } = [];

        public bool FailNext { get; set; }

        public Task<long> ClaimAsync(string grainKey) => Task.FromResult(1L);

        public IReadOnlyList<StoredRow> Stored { get; init; } = [];

        public int LargestChunk { get; private set; }

        public Task LoadAsync(string grainKey, int chunkRows, Action<StoredRow[]> onChunk) => Task.Run(() =>
        {
            foreach (var chunk in Stored.Chunk(chunkRows))
            {
                LargestChunk = Math.Max(LargestChunk, chunk.Length);
                onChunk(chunk);
            }
        });

        public Task SaveAsync(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("the store is unreachable");
            }
            Saves.Add((upserts, deletes));
            return Task.CompletedTask;
        }
    }
}

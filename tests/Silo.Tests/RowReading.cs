using LiveOrleans.Grains.Storage;

namespace LiveOrleans.Silo.Tests;

internal static class RowReading
{
    /// <summary>Every row of a grain, read in chunks of two (so a store's chunking is exercised), each checked for its size.</summary>
    public static async Task<StoredRow[]> ReadAllAsync(this IRowStore store, string grainKey)
    {
        var rows = new List<StoredRow>();
        await store.LoadAsync(grainKey, 2, chunk =>
        {
            Assert.InRange(chunk.Length, 1, 2);
            rows.AddRange(chunk);
        });
        return [.. rows];
    }
}

namespace LiveOrleans.Grains.Storage;

/// <summary>A row of a derived grain's keyed facts: its key (a session id) and its serialized value.</summary>
public readonly record struct StoredRow(string Key, byte[] Data);

/// <summary>
/// Keyed rows of derived grains that hold many facts (a live-index shard, a tenant-day): written row by row as they
/// change, so a snapshot costs what changed, not what the grain holds; read whole on activation. An activation
/// claims its grain's rows first: from then on, writes of an older activation of the same grain (a zombie left on a
/// silo the cluster declared dead) are refused, never applied.
/// </summary>
public interface IRowStore
{
    /// <summary>Makes the caller the rows' only writer; answers its claim (an epoch, higher than any before).</summary>
    Task<long> ClaimAsync(string grainKey);

    /// <summary>Upserts and deletes rows of one grain in one durable transaction, if <paramref name="claim"/> is still the current one.</summary>
    /// <exception cref="Orleans.Storage.InconsistentStateException">A newer activation claimed the rows: nothing was written.</exception>
    Task SaveAsync(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes);

    /// <summary>
    /// Every row of one grain, handed to <paramref name="onChunk"/> in chunks of at most <paramref name="chunkRows"/> rows
    /// as they are read, on the reading thread (a pool thread, never the caller's); it may block to slow the reading
    /// down. So a grain of a million rows is never held serialized all at once: each chunk's bytes die young.
    /// </summary>
    Task LoadAsync(string grainKey, int chunkRows, Action<StoredRow[]> onChunk);
}

namespace LiveOrleans.Grains.Storage;

/// <summary>A row of a derived grain's keyed facts: its key (a session id) and its serialized value.</summary>
public readonly record struct StoredRow(string Key, byte[] Data);

/// <summary>
/// Keyed rows of derived grains that hold many facts (a live-index shard, a tenant-day): written row by row as they
/// change, so a snapshot costs what changed, not what the grain holds; read whole on activation.
/// </summary>
public interface IRowStore
{
    /// <summary>Upserts and deletes rows of one grain in one durable transaction.</summary>
    Task SaveAsync(string grainKey, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes);

    /// <summary>Every row of one grain.</summary>
    Task<IReadOnlyList<StoredRow>> LoadAsync(string grainKey);
}

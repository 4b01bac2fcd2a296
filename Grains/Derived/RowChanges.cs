using Orleans.Serialization;

namespace LiveOrleans.Grains.Derived;

/// <summary>
/// The keyed rows of a derived grain that changed since its last snapshot, written with it through an
/// <see cref="IRowStore"/> (only what changed), and loaded whole on activation.
/// </summary>
public sealed class RowChanges<T>(IRowStore store, Serializer serializer, string grainKey) where T : class
{
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private long _claim = -1;

    public void Changed(string key)
    {
        _removed.Remove(key);
        _changed.Add(key);
    }

    public void Removed(string key)
    {
        _changed.Remove(key);
        _removed.Add(key);
    }

    /// <summary>
    /// Rows serialized in one turn: a flush of thousands (an index shard's at a silo's shutdown) yields between slices,
    /// so it never holds a thread for long (4,000 index entries took 157 ms in one turn; on a loaded machine over a
    /// second, which Orleans reports as a long-running turn).
    /// </summary>
    private const int SerializedPerTurn = 512;

    /// <summary>Writes the changed rows as <paramref name="current"/> holds them now; on failure they stay changed.</summary>
    public async Task FlushAsync(Func<string, T?> current)
    {
        if (_changed.Count == 0 && _removed.Count == 0) return;
        // Taken first: a key marked changed while the flush yields is written by the next one.
        var changed = _changed.ToArray();
        var removed = _removed.ToArray();
        _changed.Clear();
        _removed.Clear();
        try
        {
            if (_claim < 0) throw new InvalidOperationException($"The rows of {grainKey} are written before they were loaded (and claimed).");
            var upserts = new List<StoredRow>(changed.Length);
            var deletes = new List<string>(removed);
            for (var i = 0; i < changed.Length; i++)
            {
                if (i > 0 && i % SerializedPerTurn == 0) await Task.Yield();
                if (current(changed[i]) is { } value) upserts.Add(new StoredRow(changed[i], serializer.SerializeToArray(value)));
                else deletes.Add(changed[i]);
            }
            await store.SaveAsync(grainKey, _claim, upserts, deletes);
        }
        catch
        {
            // Unless the key changed again meanwhile (then it is in the changed set already, or removed since).
            foreach (var key in changed) if (!_removed.Contains(key)) _changed.Add(key);
            foreach (var key in removed) if (!_changed.Contains(key)) _removed.Add(key);
            throw;
        }
    }

    /// <summary>Rows deserialized on one thread below this many; above it, on every core.</summary>
    private const int ParallelFrom = 4096;

    /// <summary>
    /// Claims the rows for this activation (an older one can no longer write them), then reads them all in one query and
    /// deserializes them, in parallel when there are many: a shard of a million rows is most of a restart's wait.
    /// </summary>
    public async Task<IReadOnlyList<(string Key, T Value)>> LoadAsync()
    {
        _claim = await store.ClaimAsync(grainKey);
        var rows = await store.LoadAsync(grainKey);
        var values = new (string Key, T Value)[rows.Count];
        if (rows.Count < ParallelFrom)
        {
            for (var i = 0; i < rows.Count; i++) values[i] = (rows[i].Key, serializer.Deserialize<T>(rows[i].Data)!);
        }
        else
        {
            // The serializer is thread-safe for independent buffers; the grain's turn waits for the loop (no grain call inside).
            // On the thread pool: the default, TaskScheduler.Current, is the activation's own, which runs one task at a time.
            Parallel.For(0, rows.Count, new ParallelOptions { TaskScheduler = TaskScheduler.Default },
                i => values[i] = (rows[i].Key, serializer.Deserialize<T>(rows[i].Data)!));
        }
        return values;
    }
}

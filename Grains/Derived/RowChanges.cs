using Orleans.Serialization;

namespace LiveOrleans.Grains.Derived;

/// <summary>
/// The keyed rows of a derived grain that changed since its last snapshot, written with it through an
/// <see cref="IRowStore"/> (only what changed), and loaded whole on activation. Rows are written in
/// <paramref name="codec"/>'s format when there is one (its reads may run on several threads at once), else with
/// Orleans' serializer; rows the codec does not recognise (written before it) are read with the serializer.
/// </summary>
public sealed class RowChanges<T>(IRowStore store, Serializer serializer, string grainKey, IRowCodec<T>? codec = null) where T : class
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
                if (current(changed[i]) is { } value) upserts.Add(new StoredRow(changed[i], codec?.Write(value) ?? serializer.SerializeToArray(value)));
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

    /// <summary>Rows read and deserialized together: a chunk's bytes (~2 MB of index entries) die young.</summary>
    private const int ChunkRows = 4096;

    /// <summary>
    /// Claims the rows for this activation (an older one can no longer write them), then reads them all in one query,
    /// deserializing each chunk of rows on the thread pool while the next is read (as many chunks in flight as cores,
    /// at least two): a shard of a million rows is most of a restart's wait, and read whole before deserializing, its
    /// serialized rows (~600 MB) outlived a collection or two and left the heap that much larger.
    /// </summary>
    /// <param name="settle">Applied to each value as it is deserialized (on a pool thread): to share what values repeat.</param>
    public async Task<IReadOnlyList<(string Key, T Value)>> LoadAsync(Func<T, T>? settle = null)
    {
        _claim = await store.ClaimAsync(grainKey);
        var chunks = new List<Task<(string Key, T Value)[]>>();
        var inFlight = Math.Max(2, Environment.ProcessorCount);
        try
        {
            await store.LoadAsync(grainKey, ChunkRows, rows =>
            {
                // A lone short chunk (most grains) is deserialized where it was read; otherwise on the pool, TaskScheduler.Default
                // (Current may be the activation's own, one task at a time), the reader waiting while too many are in flight
                // (a chunk's failure thrown as it was, not wrapped).
                if (chunks.Count == 0 && rows.Length < ChunkRows)
                {
                    chunks.Add(Task.FromResult(Deserialize(rows, settle)));
                    return;
                }
                if (chunks.Count >= inFlight) chunks[^inFlight].GetAwaiter().GetResult();
                chunks.Add(Task.Factory.StartNew(() => Deserialize(rows, settle), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default));
            });
        }
        catch
        {
            // The chunks still being deserialized are waited for (and their failures observed), then the load's failure thrown.
            try { await Task.WhenAll(chunks); }
            catch (Exception) { /* the load's own failure is the one to tell */ }
            throw;
        }
        var parts = await Task.WhenAll(chunks);
        if (parts.Length == 1) return parts[0];
        var values = new (string Key, T Value)[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(values, at);
            at += part.Length;
        }
        return values;
    }

    // The serializer is thread-safe for independent buffers.
    private (string Key, T Value)[] Deserialize(StoredRow[] rows, Func<T, T>? settle)
    {
        var values = new (string Key, T Value)[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var data = rows[i].Data;
            var value = codec is not null && codec.TryRead(data, out var read) ? read! : serializer.Deserialize<T>(data)!;
            values[i] = (rows[i].Key, settle is null ? value : settle(value));
        }
        return values;
    }
}

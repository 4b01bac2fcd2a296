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

    /// <summary>Writes the changed rows as <paramref name="current"/> holds them now; on failure they stay changed.</summary>
    public async Task FlushAsync(Func<string, T?> current)
    {
        if (_changed.Count == 0 && _removed.Count == 0) return;
        var upserts = new List<StoredRow>(_changed.Count);
        var deletes = new List<string>(_removed);
        foreach (var key in _changed)
        {
            if (current(key) is { } value) upserts.Add(new StoredRow(key, serializer.SerializeToArray(value)));
            else deletes.Add(key);
        }
        var changed = _changed.ToArray();
        var removed = _removed.ToArray();
        _changed.Clear();
        _removed.Clear();
        try
        {
            if (_claim < 0) throw new InvalidOperationException($"The rows of {grainKey} are written before they were loaded (and claimed).");
            await store.SaveAsync(grainKey, _claim, upserts, deletes);
        }
        catch
        {
            foreach (var key in changed) _changed.Add(key);
            foreach (var key in removed) _removed.Add(key);
            throw;
        }
    }

    /// <summary>Claims the rows for this activation (an older one can no longer write them), then reads them all.</summary>
    public async Task<IEnumerable<(string Key, T Value)>> LoadAsync()
    {
        _claim = await store.ClaimAsync(grainKey);
        return (await store.LoadAsync(grainKey)).Select(row => (row.Key, serializer.Deserialize<T>(row.Data)!));
    }
}

using LiveOrleans.Live;

namespace LiveOrleans.Storage;

/// <summary>
/// Log entries queued for a store's writer and not yet committed, with the limit both writers apply: past
/// <see cref="LogOptions.MaxPendingEntries"/> an append is refused (429 at the Api), and from half of it new batches are.
/// </summary>
internal sealed class QueuedEntries(LogOptions options)
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether new batches should be refused: half the queue limit is taken.</summary>
    public bool IsOverloaded => Count >= options.MaxPendingEntries / 2;

    /// <summary>Counts a write's entries in; the first write of an empty queue is taken whatever its size.</summary>
    /// <exception cref="OverloadedException">The queue is full.</exception>
    public void Add(int entries)
    {
        if (entries == 0) return;
        var waiting = Interlocked.Add(ref _count, entries);
        if (waiting > options.MaxPendingEntries && waiting != entries)
        {
            Interlocked.Add(ref _count, -entries);
            throw new OverloadedException(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Counts committed (or failed) entries out.</summary>
    public void Remove(int entries) => Interlocked.Add(ref _count, -entries);
}

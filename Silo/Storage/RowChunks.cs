using LiveOrleans.Grains.Storage;

namespace LiveOrleans.Storage;

/// <summary>Gathers rows as a store reads them into chunks of at most a given size, each handed on when full and the last at the end.</summary>
internal sealed class RowChunks(int chunkRows, Action<StoredRow[]> onChunk)
{
    private readonly int _size = chunkRows > 0 ? chunkRows : throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "A chunk holds at least one row.");
    private StoredRow[] _rows = new StoredRow[Math.Min(chunkRows, 256)];
    private int _count;

    public void Add(StoredRow row)
    {
        if (_count == _rows.Length) Array.Resize(ref _rows, Math.Min(_size, _rows.Length * 2));
        _rows[_count++] = row;
        if (_count < _size) return;
        onChunk(_rows);
        _rows = new StoredRow[_size];
        _count = 0;
    }

    /// <summary>Hands on the rows of the last chunk, if any.</summary>
    public void Complete()
    {
        if (_count == 0) return;
        Array.Resize(ref _rows, _count);
        onChunk(_rows);
        _rows = [];
        _count = 0;
    }
}

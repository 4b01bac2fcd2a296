namespace LiveOrleans.Runtime.Memory;

/// <summary>Grain storage in memory, for tests. Keeps what a restart would find, within one process.</summary>
public sealed class InMemoryGrainStorage : IGrainStorage
{
    private readonly Lock _lock = new();
    private readonly Dictionary<GrainId, (int Partition, GrainSnapshot Snapshot)> _grains = [];
    private readonly Dictionary<int, long> _positions = [];

    public void WriteCheckpoint(PartitionCheckpoint checkpoint)
    {
        lock (_lock)
        {
            foreach (var snapshot in checkpoint.Snapshots) _grains[snapshot.Id] = (checkpoint.Partition, snapshot);
            _positions[checkpoint.Partition] = checkpoint.Position;
        }
    }

    public StoredPartition LoadPartition(int partition)
    {
        lock (_lock)
        {
            var mine = _grains.Values.Where(g => g.Partition == partition).Select(g => g.Snapshot).ToArray();
            return new StoredPartition(_positions.GetValueOrDefault(partition), [.. mine.Where(s => s.Active)], [.. mine.Where(s => !s.Active).Select(s => s.Id)]);
        }
    }

    public byte[]? ReadGrain(GrainId id)
    {
        lock (_lock) return _grains.TryGetValue(id, out var g) ? g.Snapshot.Data : null;
    }

    public void Dispose() { }
}

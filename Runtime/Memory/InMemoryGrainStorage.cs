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

    public (long Position, IReadOnlyList<GrainSnapshot> Active) LoadPartition(int partition)
    {
        lock (_lock)
        {
            var active = _grains.Values.Where(g => g.Partition == partition && g.Snapshot.Active).Select(g => g.Snapshot).ToArray();
            return (_positions.GetValueOrDefault(partition), active);
        }
    }

    public byte[]? ReadGrain(GrainId id)
    {
        lock (_lock) return _grains.TryGetValue(id, out var g) ? g.Snapshot.Data : null;
    }

    public void Dispose() { }
}

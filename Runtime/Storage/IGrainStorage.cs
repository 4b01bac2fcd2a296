namespace LiveOrleans.Runtime;

/// <summary>A grain's serialised state; <paramref name="Active"/> is false once the grain was collected.</summary>
public sealed record GrainSnapshot(GrainId Id, byte[] Data, bool Active);

/// <summary>A partition's checkpoint: snapshots of the grains that changed, covering the log up to <paramref name="Position"/>.</summary>
public sealed record PartitionCheckpoint(int Partition, long Position, IReadOnlyList<GrainSnapshot> Snapshots);

/// <summary>What a partition finds in grain storage when it starts.</summary>
/// <param name="Collected">Grains with a stored snapshot that are not activated at start; read on first use.</param>
public sealed record StoredPartition(long Position, IReadOnlyList<GrainSnapshot> Active, IReadOnlyCollection<GrainId> Collected);

/// <summary>Grain storage: checkpoints written in one transaction with the log position they cover.</summary>
public interface IGrainStorage : IDisposable
{
    /// <summary>Writes the snapshots and the covered position atomically.</summary>
    void WriteCheckpoint(PartitionCheckpoint checkpoint);

    /// <summary>The covered position, the snapshots of the active grains and the ids of the collected ones.</summary>
    StoredPartition LoadPartition(int partition);

    /// <summary>The stored snapshot of one grain (active or collected), or null.</summary>
    byte[]? ReadGrain(GrainId id);
}

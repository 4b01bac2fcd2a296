using System.Text;

namespace LiveOrleans.Runtime;

/// <summary>Placement: a tenant lives in partition <c>FNV-1a(tenantId) mod P</c>, with all of its grains.</summary>
public sealed class PartitionMap(int partitions)
{
    public int Count { get; } = partitions > 0 ? partitions : throw new ArgumentOutOfRangeException(nameof(partitions));

    public int Of(string tenant)
    {
        // FNV-1a: stable across processes and versions, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(tenant))
        {
            hash = (hash ^ b) * 16777619;
        }
        return (int)(hash % (uint)Count);
    }
}

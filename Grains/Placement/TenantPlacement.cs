using System.Net.Sockets;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace LiveOrleans.Grains.Placement;

/// <summary>
/// Places every grain of a tenant on the silo that owns the tenant (<see cref="TenantOwnership"/>), so that what an
/// ingest batch touches — the tenant's ingest grain, its sessions, index shards, days, agents, directory and
/// presence — calls within one silo and nothing of it is serialized between silos.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class TenantPlacement : PlacementStrategy;

/// <summary>Marks a grain class keyed <c>{tenant}</c> or <c>{tenant}/{id}</c> (<see cref="Live.LiveKeys"/>) as placed with its tenant.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TenantPlacementAttribute() : PlacementAttribute(new TenantPlacement());

/// <summary>
/// The director of <see cref="TenantPlacement"/>: the owner of the grain's tenant among the silos compatible with the
/// grain. Orleans' placement hint, when set and valid, wins (tests and explicit migrations use it). Every silo
/// computes the same owner from the same silo set, so a tenant's grains meet on one silo whichever silo placed them;
/// while membership is changing two silos may briefly disagree, which costs locality, never single activation (the
/// grain directory keeps that).
/// </summary>
public sealed class TenantPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] silos;
        try
        {
            silos = context.GetCompatibleSilos(target);
        }
        catch (OrleansException) when (context.LocalSiloStatus != SiloStatus.Active)
        {
            // The last silo stopping: Orleans asks where a grain leaving this silo should go (a migrating grain that is
            // deactivated at shutdown), and no other silo can host it. Answering this silo means "stay", so the grain
            // simply deactivates; any activation asked for now is refused by the stopping silo itself.
            return Task.FromResult(context.LocalSilo);
        }
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint) return Task.FromResult(hint);
        return Task.FromResult(TenantOwnership.Owner(TenantOwnership.TenantOf(target.GrainIdentity), silos));
    }
}

/// <summary>
/// Which silo owns a tenant: rendezvous (highest-random-weight) hashing of the tenant id over the silos. Each silo
/// scores the tenant with a stable hash of (tenant, silo endpoint) and the highest score owns it, so tenants spread
/// evenly, every silo computes the same owner from the same set in any order, and a silo joining takes only the
/// tenants it now scores highest on (about 1/n of them) while a silo leaving hands on only its own. The endpoint
/// (address and port, not the generation) is hashed, so a silo restarted on the same address owns the same tenants.
/// </summary>
public static class TenantOwnership
{
    /// <summary>The tenant part of a grain key, as UTF-8 bytes (the whole key for grains keyed by the tenant alone).</summary>
    public static ReadOnlySpan<byte> TenantOf(GrainId grain)
    {
        var key = grain.Key.AsSpan();
        var slash = key.IndexOf((byte)'/');
        return slash < 0 ? key : key[..slash];
    }

    public static SiloAddress Owner(string tenant, IReadOnlyList<SiloAddress> silos)
        => Owner(System.Text.Encoding.UTF8.GetBytes(tenant), silos);

    /// <summary>The owner of <paramref name="tenant"/> (UTF-8) among <paramref name="silos"/> (not empty).</summary>
    public static SiloAddress Owner(ReadOnlySpan<byte> tenant, IReadOnlyList<SiloAddress> silos)
    {
        ArgumentOutOfRangeException.ThrowIfZero(silos.Count, nameof(silos));
        var tenantHash = Fnv1a(tenant, Fnv1aBasis);
        SiloAddress? best = null;
        ulong bestScore = 0;
        foreach (var silo in silos)
        {
            var score = Score(tenantHash, silo);
            // Equal scores (vanishingly rare) go to the lower address, so the answer never depends on the order of the set.
            if (best is null || score > bestScore || (score == bestScore && silo.CompareTo(best) < 0))
            {
                best = silo;
                bestScore = score;
            }
        }
        return best!;
    }

    /// <summary>The weight of a silo for a tenant: both hashes mixed by a 64-bit finalizer, so weights of one tenant over several silos are independent.</summary>
    internal static ulong Score(ulong tenantHash, SiloAddress silo) => Mix(tenantHash ^ Mix(SiloHash(silo)));

    internal static ulong Fnv1a(ReadOnlySpan<byte> bytes, ulong hash)
    {
        foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private const ulong Fnv1aBasis = 14695981039346656037UL;

    private static ulong SiloHash(SiloAddress silo)
    {
        Span<byte> bytes = stackalloc byte[18];
        var endpoint = silo.Endpoint;
        if (!endpoint.Address.TryWriteBytes(bytes, out var written)) throw new InvalidOperationException($"Unexpected silo address {endpoint}.");
        if (endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.IsIPv4MappedToIPv6)
        {
            // The same silo must hash the same however its address is written.
            endpoint.Address.MapToIPv4().TryWriteBytes(bytes, out written);
        }
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes[written..], (ushort)endpoint.Port);
        return Fnv1a(bytes[..(written + 2)], Fnv1aBasis);
    }

    /// <summary>The 64-bit finalizer of MurmurHash3: every input bit affects every output bit.</summary>
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}

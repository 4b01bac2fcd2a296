using System.Net;
using LiveOrleans.Grains.Placement;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// The ownership function of tenant placement (rendezvous hashing): the same owner from the same silos in any order,
/// tenants spread evenly, and a silo joining or leaving moves only the tenants it must.
/// </summary>
[Trait("Category", "unit")]
public sealed class TenantOwnershipTests
{
    private const int Tenants = 20_000;
    private static readonly string[] Names = [.. Enumerable.Range(0, Tenants).Select(i => $"tenant-{i}")];

    private static SiloAddress Silo(int i, int generation = 1)
        => SiloAddress.New(IPAddress.Parse($"10.0.{i / 200}.{i % 200 + 1}"), 11111 + i % 3, generation);

    private static SiloAddress[] Silos(int n) => [.. Enumerable.Range(0, n).Select(i => Silo(i))];

    /// <summary>The owner by brute force: every silo's score, sorted, the highest first (lower address on a tie).</summary>
    private static SiloAddress BruteForceOwner(string tenant, IEnumerable<SiloAddress> silos)
    {
        var tenantHash = TenantOwnership.Fnv1a(System.Text.Encoding.UTF8.GetBytes(tenant), 14695981039346656037UL);
        return silos.OrderByDescending(s => TenantOwnership.Score(tenantHash, s)).ThenBy(s => s).First();
    }

    /// <summary>Five standard deviations of a binomial count: <paramref name="trials"/> draws at probability <paramref name="p"/>.</summary>
    private static double Tolerance(int trials, double p) => 5 * Math.Sqrt(trials * p * (1 - p));

    [Fact]
    public void The_owner_is_the_same_from_the_same_silos_in_any_order_and_after_a_restart_on_the_same_address()
    {
        var silos = Silos(5);
        var reversed = Enumerable.Reverse(silos).ToArray();
        var shuffled = silos.OrderBy(s => s.GetConsistentHashCode()).ToArray();
        var restarted = silos.Select(s => SiloAddress.New(s.Endpoint, s.Generation + 7)).ToArray();
        foreach (var tenant in Names.Take(2_000))
        {
            var owner = TenantOwnership.Owner(tenant, silos);
            Assert.Equal(BruteForceOwner(tenant, silos), owner);
            Assert.Equal(owner, TenantOwnership.Owner(tenant, reversed));
            Assert.Equal(owner, TenantOwnership.Owner(tenant, shuffled));
            Assert.Equal(owner.Endpoint, TenantOwnership.Owner(tenant, restarted).Endpoint);
        }
        Assert.Equal(silos[0], TenantOwnership.Owner("alone", [silos[0]]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void Tenants_spread_evenly_over_the_silos(int n)
    {
        var silos = Silos(n);
        var counts = Names.GroupBy(t => TenantOwnership.Owner(t, silos)).ToDictionary(g => g.Key, g => g.Count());
        var expected = (double)Tenants / n;
        var tolerance = Tolerance(Tenants, 1.0 / n);
        Assert.Equal(n, counts.Count);
        foreach (var (silo, count) in counts)
        {
            Assert.True(Math.Abs(count - expected) <= tolerance, $"{silo}: {count} tenants, expected {expected:F0} ± {tolerance:F0}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void A_silo_that_joins_takes_only_its_share_and_nothing_else_moves(int n)
    {
        var before = Silos(n);
        var joining = Silo(n);
        SiloAddress[] after = [.. before, joining];
        var moved = 0;
        foreach (var tenant in Names)
        {
            var was = TenantOwnership.Owner(tenant, before);
            var now = TenantOwnership.Owner(tenant, after);
            Assert.Equal(BruteForceOwner(tenant, after), now);
            // The least movement: a tenant moves only to the newcomer.
            Assert.True(now == was || now == joining, $"{tenant} moved from {was} to {now}, not to the new silo");
            if (now != was) moved++;
        }
        // What moved is the newcomer's fair share, 1/(n+1) of the tenants.
        var expected = (double)Tenants / (n + 1);
        var tolerance = Tolerance(Tenants, 1.0 / (n + 1));
        Assert.True(Math.Abs(moved - expected) <= tolerance, $"{moved} tenants moved, expected {expected:F0} ± {tolerance:F0}");

        // Placing by a hash modulo the number of silos (Orleans' HashBasedPlacement does) would have moved n/(n+1) of them.
        if (n > 1)
        {
            var modulo = Names.Count(t => ModuloOwner(t, before) != ModuloOwner(t, after));
            Assert.True(modulo > 1.5 * moved, $"modulo placement moved {modulo}, rendezvous {moved}");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void A_silo_that_leaves_hands_on_only_its_own_tenants_spread_over_the_others(int n)
    {
        var before = Silos(n);
        var leaving = before[n / 2];
        var after = before.Where(s => s != leaving).ToArray();
        var inherited = after.ToDictionary(s => s, _ => 0);
        var orphans = 0;
        foreach (var tenant in Names)
        {
            var was = TenantOwnership.Owner(tenant, before);
            var now = TenantOwnership.Owner(tenant, after);
            Assert.Equal(BruteForceOwner(tenant, after), now);
            if (was != leaving)
            {
                Assert.Equal(was, now);
            }
            else
            {
                orphans++;
                inherited[now]++;
            }
        }
        // The leaver's tenants go to the others evenly, not to one neighbour.
        var expected = (double)orphans / (n - 1);
        var tolerance = Tolerance(orphans, 1.0 / (n - 1));
        foreach (var (silo, count) in inherited)
        {
            Assert.True(Math.Abs(count - expected) <= tolerance, $"{silo} inherited {count}, expected {expected:F0} ± {tolerance:F0}");
        }
    }

    [Fact]
    public void The_tenant_of_a_grain_is_the_part_of_its_key_before_the_first_slash()
    {
        Assert.Equal("acme", Tenant(GrainId.Create("session", "acme/s-1")));
        Assert.Equal("acme", Tenant(GrainId.Create("liveindex", "acme/0")));
        Assert.Equal("acme", Tenant(GrainId.Create("tenantday", "acme/2026-12-06")));
        Assert.Equal("acme", Tenant(GrainId.Create("ingest", "acme")));
        Assert.Equal("acme", Tenant(GrainId.Create("session", "acme/with/slash")));

        static string Tenant(GrainId grain) => System.Text.Encoding.UTF8.GetString(TenantOwnership.TenantOf(grain));
    }

    private static SiloAddress ModuloOwner(string tenant, SiloAddress[] silos)
    {
        var sorted = silos.Order().ToArray();
        var hash = TenantOwnership.Fnv1a(System.Text.Encoding.UTF8.GetBytes(tenant), 14695981039346656037UL);
        return sorted[(int)(hash % (ulong)sorted.Length)];
    }
}

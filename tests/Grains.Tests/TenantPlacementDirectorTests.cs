using System.Net;
using LiveOrleans.Grains.Placement;
using Orleans.Runtime.Placement;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// The placement director's answers where the cluster gives it no silo: a stopping last silo keeps a grain that Orleans
/// asks to move (no error in the log of a clean Ctrl+C), an active silo still reports the missing silos.
/// </summary>
[Trait("Category", "unit")]
public sealed class TenantPlacementDirectorTests
{
    private static readonly SiloAddress Here = SiloAddress.New(IPAddress.Loopback, 11111, 1);
    private static readonly SiloAddress There = SiloAddress.New(IPAddress.Loopback, 11112, 1);

    private static PlacementTarget Target(string key) => new(GrainId.Create("liveindex", key), null!, default, 0);

    /// <summary>The director's own collaborator: the silos Orleans would offer, or none (Orleans then throws).</summary>
    private sealed class Context(SiloStatus status, params SiloAddress[] compatible) : IPlacementContext
    {
        public SiloAddress LocalSilo => Here;

        public SiloStatus LocalSiloStatus => status;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target)
            => compatible.Length > 0 ? compatible : throw new OrleansException($"No active nodes are compatible with grain {target.GrainIdentity}.");

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target)
            => new Dictionary<ushort, SiloAddress[]> { [0] = GetCompatibleSilos(target) };
    }

    [Theory]
    [InlineData(SiloStatus.ShuttingDown)]
    [InlineData(SiloStatus.Stopping)]
    public async Task A_stopping_silo_with_no_other_silo_keeps_the_grain_where_it_is(SiloStatus status)
    {
        var director = new TenantPlacementDirector();
        Assert.Equal(Here, await director.OnAddActivation(new TenantPlacement(), Target("demo/0"), new Context(status)));
    }

    [Fact]
    public async Task An_active_silo_with_no_compatible_silo_reports_it()
    {
        var director = new TenantPlacementDirector();
        await Assert.ThrowsAsync<OrleansException>(() => director.OnAddActivation(new TenantPlacement(), Target("demo/0"), new Context(SiloStatus.Active)));
    }

    [Fact]
    public async Task With_silos_the_tenants_owner_is_chosen()
    {
        var director = new TenantPlacementDirector();
        var silos = new[] { Here, There };
        var chosen = await director.OnAddActivation(new TenantPlacement(), Target("acme/3"), new Context(SiloStatus.Active, silos));
        Assert.Equal(TenantOwnership.Owner("acme", silos), chosen);
        // A stopping silo still places by ownership among the silos it is given.
        Assert.Equal(chosen, await director.OnAddActivation(new TenantPlacement(), Target("acme/1"), new Context(SiloStatus.ShuttingDown, silos)));
    }
}

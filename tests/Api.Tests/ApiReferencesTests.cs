using LiveOrleans.Api.Live;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// The Api uses grains only through their interfaces and the shared view rules, never the grains' implementation:
/// the compiler records a reference to an assembly only when the code uses one of its types, so one use of a grain
/// class (or of anything else in LiveOrleans.Grains) from the Api fails this.
/// </summary>
[Trait("Category", "unit")]
public sealed class ApiReferencesTests
{
    [Fact]
    public void The_api_compiles_against_the_grain_interfaces_and_the_views_not_the_grains()
    {
        var references = typeof(TenantReplica).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        // What it does use, so the test would notice if the names it looks for changed.
        Assert.Contains("LiveOrleans.Grains.Interfaces", references);
        Assert.Contains("LiveOrleans.Views", references);
        Assert.Contains("LiveOrleans.Silo", references);
        Assert.DoesNotContain("LiveOrleans.Grains", references);
    }
}

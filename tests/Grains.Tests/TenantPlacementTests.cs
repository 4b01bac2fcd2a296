using LiveOrleans.Grains.Placement;

namespace LiveOrleans.Grains.Tests;

/// <summary>Tenant placement on a real three-silo cluster: a tenant's grains live together on its owner, tenants spread.</summary>
[Trait("Category", "grains")]
public sealed class TenantPlacementTests
{
    /// <summary>The grain classes of a tenant, by their Orleans grain type.</summary>
    private static readonly string[] Kinds = ["ingest", "session", "liveindex", "tenantday", "agent", "tenant", "presence"];

    private static readonly DateTimeOffset T = Ev.RecentToday(); // today in UTC: the figures checked are today's

    [Fact]
    public async Task A_tenants_grains_live_on_its_owner_and_after_a_silo_leaves_its_tenants_work_on_their_new_owners()
    {
        await using var live = await LiveCluster.StartAsync(new Dictionary<string, string?> { ["Live:IndexShards"] = "2" }, silos: 3);
        var silos = live.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToArray();
        Assert.Equal(3, silos.Length);
        // Two tenants owned by each silo, found with the ownership function, so that the spread is certain whatever
        // ports the silos got.
        var tenants = silos.SelectMany(silo => Enumerable.Range(0, 1_000).Select(i => $"t{i}")
            .Where(t => TenantOwnership.Owner(t, silos) == silo).Take(2)).ToArray();
        Assert.Equal(6, tenants.Length);

        foreach (var tenant in tenants) await UseEveryGrainAsync(live, tenant, "a");
        var placed = await PlacementAsync(live, tenants);
        foreach (var tenant in tenants)
        {
            Assert.Equal(Kinds.Order(), placed[tenant].Select(p => p.Kind).Distinct().Order());
            var owner = TenantOwnership.Owner(tenant, silos);
            Assert.All(placed[tenant], p => Assert.True(p.Silo == owner, $"{p.Grain} of {tenant} is on {p.Silo}, its tenant's owner is {owner}"));
        }
        Assert.Equal(silos.Order(), placed.Values.SelectMany(g => g).Select(p => p.Silo).Distinct().Order());

        // A silo leaves: the tenants it owned go on, whole, on their owners among the two left; the others stay put.
        var leaving = live.Cluster.SecondarySilos[0];
        await live.Cluster.StopSiloAsync(leaving);
        var survivors = silos.Where(s => s != leaving.SiloAddress).ToArray();
        foreach (var tenant in tenants) await UseEveryGrainAsync(live, tenant, "b");
        var after = await PlacementAsync(live, tenants);
        foreach (var tenant in tenants)
        {
            var owner = TenantOwnership.Owner(tenant, survivors);
            if (TenantOwnership.Owner(tenant, silos) != leaving.SiloAddress) Assert.Equal(TenantOwnership.Owner(tenant, silos), owner);
            Assert.Equal(Kinds.Order(), after[tenant].Select(p => p.Kind).Distinct().Order());
            Assert.All(after[tenant], p => Assert.True(p.Silo == owner, $"{p.Grain} of {tenant} is on {p.Silo}, its tenant's owner is {owner}"));
            var summary = await live.Reader.SummaryAsync(tenant, LiveFilter.All);
            Assert.Equal((2, 0), (summary.ActiveConversations, summary.WaitingForFirstResponse));
        }
    }

    [Fact]
    public async Task After_a_silo_joins_the_tenants_it_now_owns_move_to_it_whole_and_their_figures_stay()
    {
        await using var live = await LiveCluster.StartAsync(new Dictionary<string, string?>
        {
            ["Live:IndexShards"] = "2",
            ["Live:RebalanceDelay"] = "00:00:00.200",
        }, silos: 2);
        var before = live.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToArray();
        // 24 tenants: the joining silo owns none of them once in 17,000 runs ((2/3)^24).
        var tenants = Enumerable.Range(0, 24).Select(i => $"j{i}").ToArray();
        foreach (var tenant in tenants) await UseEveryGrainAsync(live, tenant, "a");
        var placed = await PlacementAsync(live, tenants);
        foreach (var tenant in tenants) Assert.All(placed[tenant], p => Assert.Equal(TenantOwnership.Owner(tenant, before), p.Silo));

        var joined = await live.Cluster.StartAdditionalSiloAsync();
        await live.Cluster.WaitForLivenessToStabilizeAsync();
        var after = live.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToArray();
        Assert.Equal(3, after.Length);
        var moving = tenants.Where(t => TenantOwnership.Owner(t, after) == joined.SiloAddress).ToArray();
        Assert.NotEmpty(moving);
        // Rendezvous hashing: a tenant moves only to the silo that joined.
        Assert.All(tenants.Except(moving), t => Assert.Equal(TenantOwnership.Owner(t, before), TenantOwnership.Owner(t, after)));

        // Without any call, the moved tenants' active grains leave their old silo for the new one, every grain class.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Dictionary<string, Placed[]> now;
        while (true)
        {
            now = await PlacementAsync(live, tenants);
            if (tenants.All(t => now[t].All(p => p.Silo == TenantOwnership.Owner(t, after)))) break;
            Assert.True(DateTime.UtcNow < deadline, "the tenants the new silo owns did not all move to it within 60 s");
            await Task.Delay(100);
        }
        foreach (var tenant in moving)
        {
            Assert.Equal(placed[tenant].Select(p => p.Grain).Order(), now[tenant].Select(p => p.Grain).Order());
        }

        // Their figures are what they were, and they take events on the new silo: each tenant has both conversations.
        foreach (var tenant in tenants) await UseEveryGrainAsync(live, tenant, "b");
        var used = await PlacementAsync(live, tenants);
        foreach (var tenant in tenants)
        {
            Assert.All(used[tenant], p => Assert.Equal(TenantOwnership.Owner(tenant, after), p.Silo));
            var summary = await live.Reader.SummaryAsync(tenant, LiveFilter.All);
            Assert.Equal((2, 0), (summary.ActiveConversations, summary.WaitingForFirstResponse));
        }
    }

    /// <summary>Activates every grain class of the tenant, from the client as the Api would.</summary>
    private static async Task UseEveryGrainAsync(LiveCluster live, string tenant, string session)
    {
        await live.ConfigureTenantAsync(tenant);
        await live.IngestAsync(tenant, Ev.Started(session, T, owner: "alice"), Ev.Received(session, T),
            Ev.Sent(session, T.AddSeconds(5), kind: SenderKind.Human, sender: "alice"));
        foreach (var shard in new[] { "0", "1" }) await live.Grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(tenant, shard)).LiveSessions();
        await live.Grains.GetGrain<IPresenceGrain>(tenant).Renew("node", [], TimeSpan.FromSeconds(15));
        await live.Reader.SummaryAsync(tenant, LiveFilter.All);
    }

    private sealed record Placed(string Kind, GrainId Grain, SiloAddress Silo);

    /// <summary>Every activation of the tenants' grains and its silo, as the silos' catalogs list them now.</summary>
    private static async Task<Dictionary<string, Placed[]>> PlacementAsync(LiveCluster live, string[] tenants)
    {
        var statistics = await live.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var all = statistics
            .Select(s => (Tenant: System.Text.Encoding.UTF8.GetString(TenantOwnership.TenantOf(s.GrainId)), Placed: new Placed(s.GrainId.Type.ToString()!, s.GrainId, s.SiloAddress)))
            .Where(p => tenants.Contains(p.Tenant))
            .ToArray();
        return tenants.ToDictionary(t => t, t => all.Where(p => p.Tenant == t).Select(p => p.Placed).ToArray());
    }
}

using LiveOrleans.Views;
using Orleans.Runtime.Placement;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// A derived grain's recovery that fails part way resumes from the progress it wrote (<see cref="Derived.RecoveryProgress"/>):
/// the next activation asks only the streams after the last batch done, and the figures end equal to those of a tenant
/// given the same events with no crash.
/// </summary>
[Trait("Category", "grains")]
public sealed class RecoveryResumeTests
{
    [Fact]
    public async Task A_recovery_interrupted_part_way_resumes_after_its_last_batch_and_ends_with_a_replay_s_figures()
    {
        await using var live = await LiveCluster.StartAsync(new Dictionary<string, string?>
        {
            // Everything the derived grains take after their activation is in memory only; recoveries go by 4 streams.
            ["Live:SnapshotInterval"] = "01:00:00",
            ["Live:InactiveSessionTimeout"] = "00:00:00",
            ["Live:RecoveryBatch"] = "4",
            // Every entry counts as delivered once committed: a resumed recovery need not ask again the streams it did
            // (with a margin, those that moved within it are asked again, here all of them).
            ["Live:RecoveryMargin"] = "00:00:00",
            ["Test:FactsFaults"] = "on",
        });
        var secondary = live.Cluster.SecondarySilos[0];
        const string tenant = "resume";
        const string fresh = "replay";
        var day = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var shard = live.Grains.GetGrain<ILiveIndexGrain>($"{tenant}/0");

        // The crashed tenant's grains on the silo that dies (placement hint, as DerivedRecoveryTests does), the other's anywhere.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, secondary.SiloAddress);
        try
        {
            await live.Grains.GetGrain<ITenantDayGrain>($"{tenant}/{day}").GetSnapshot();
            await shard.GetSnapshot(null, 1);
            await live.GrainsOf(secondary).GetGrain<ITenantGrain>(tenant).Configure(new TenantSettingsUpdate(tenant, "UTC", null));
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
        Assert.Equal(secondary.SiloAddress, await live.SiloOfAsync(shard));
        // The other tenant's on the silo that stays.
        var primary = live.Cluster.Primary!;
        RequestContext.Set(IPlacementDirector.PlacementHintKey, primary.SiloAddress);
        try
        {
            await live.Grains.GetGrain<ITenantDayGrain>($"{fresh}/{day}").GetSnapshot();
            await live.Grains.GetGrain<ILiveIndexGrain>($"{fresh}/0").GetSnapshot(null, 1);
            await live.GrainsOf(primary).GetGrain<ITenantGrain>(fresh).Configure(new TenantSettingsUpdate(fresh, "UTC", null));
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
        Assert.Equal(primary.SiloAddress, await live.SiloOfAsync(live.Grains.GetGrain<ILiveIndexGrain>($"{fresh}/0")));
        Assert.Equal(primary.SiloAddress, await live.SiloOfAsync(live.Grains.GetGrain<ITenantDayGrain>($"{fresh}/{day}")));

        // 20 conversations (streams session/s00 … session/s19): a third answered, a third closed, a third waiting.
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 20; i++)
        {
            foreach (var (name, grains) in new[] { (tenant, live.GrainsOf(secondary)), (fresh, live.GrainsOf(primary)) })
            {
                var id = $"s{i:D2}";
                var events = new List<LiveEvent> { Ev.Started(id, now, channel: i % 2 == 0 ? "web" : "sms"), Ev.Received(id, now) };
                if (i % 3 == 0) events.Add(Ev.Sent(id, now.AddSeconds(1)));
                if (i % 3 == 1) events.Add(Ev.Closed(id, now.AddSeconds(1)));
                await grains.GetGrain<IIngestGrain>(name).Ingest(events);
            }
        }
        await live.CrashAsync(secondary);
        // The surviving silo's log clock samples commits every 100 ms: one more commit, later, makes every entry above "delivered".
        await Task.Delay(TimeSpan.FromMilliseconds(250));
        await live.IngestAsync("other", Ev.Started("x", now));

        // Activations after the crash fail at the last session's facts, after the batches before it wrote their progress
        // (the first calls may also fail on the dead silo's address before any recovery: asked until the shard recovered).
        FactsFaults.FailFor = $"{tenant}/s19";
        for (var attempt = 0; attempt < 10 && !Asked(shard.GetGrainId()).Contains($"{tenant}/s19"); attempt++)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => live.Reader.SessionsAsync(tenant, LiveFilter.All, 100, null));
        }
        var first = Asked(shard.GetGrainId());
        Assert.Contains($"{tenant}/s00", first);
        Assert.Contains($"{tenant}/s19", first);

        FactsFaults.FailFor = null;
        while (FactsFaults.Asked.TryDequeue(out _)) { }
        var page = await live.Reader.SessionsAsync(tenant, LiveFilter.All, 100, null);
        var resumed = Asked(shard.GetGrainId());
        // The resumed recovery asks the batch that failed and those after it, not the first batches again.
        Assert.Contains($"{tenant}/s19", resumed);
        Assert.DoesNotContain($"{tenant}/s00", resumed);
        Assert.True(resumed.Count < 8, $"the resumed recovery asked {resumed.Count} sessions: {string.Join(", ", resumed)}");

        var expected = await live.Reader.SessionsAsync(fresh, LiveFilter.All, 100, null);
        Assert.Equal(20, page.Total);
        Assert.Equal(expected.Total, page.Total);
        Assert.Equal(expected.Items.Select(c => (c.SessionId, c.State, c.Channel, c.EndedAt)), page.Items.Select(c => (c.SessionId, c.State, c.Channel, c.EndedAt)));
        var sms = new LiveFilter { Channels = ["sms"] };
        Assert.Equal((await live.Reader.SessionsAsync(fresh, sms, 100, null)).Total, (await live.Reader.SessionsAsync(tenant, sms, 100, null)).Total);
        var metrics = await live.Reader.MetricsAsync(tenant, LiveFilter.All);
        var expectedMetrics = await live.Reader.MetricsAsync(fresh, LiveFilter.All);
        Assert.Equal(expectedMetrics, metrics);
        var summary = await live.Reader.SummaryAsync(tenant, LiveFilter.All);
        var expectedSummary = await live.Reader.SummaryAsync(fresh, LiveFilter.All);
        Assert.Equal((expectedSummary.ActiveConversations, expectedSummary.WaitingForFirstResponse, expectedSummary.Open, expectedSummary.Closed),
            (summary.ActiveConversations, summary.WaitingForFirstResponse, summary.Open, summary.Closed));
        Assert.Equal((20, 13, 7), (summary.ActiveConversations, summary.Open, summary.Closed));
    }

    /// <summary>The sessions whose facts <paramref name="caller"/> asked for since the queue was last emptied.</summary>
    private static List<string> Asked(GrainId caller)
        => [.. FactsFaults.Asked.Where(a => a.Caller == caller).Select(a => a.Session).Distinct()];
}

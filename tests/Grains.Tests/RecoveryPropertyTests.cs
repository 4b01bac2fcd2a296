using System.Globalization;
using System.Text.Json;
using LiveOrleans.Views;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// Recovery of every derived grain (tenant-day, index shards, agents, tenant directory) as a property: for seeded
/// random event scripts, every time zone of <see cref="Zones"/> (±12/+14 hours, half- and quarter-hour zones, each
/// zone with daylight saving time on a day it changes its clocks) and clock instants around local and UTC midnight,
/// the silo holding a tenant's grains is killed at a random point; every figure, card and chart afterwards equals
/// those of a fresh tenant given the same acknowledged events with no crash.
/// </summary>
[Trait("Category", "grains")]
public sealed class RecoveryPropertyTests : IAsyncLifetime
{
    private static readonly string[] Zones =
    [
        "UTC", "Asia/Kuala_Lumpur", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Etc/GMT-12", "Asia/Kolkata", "Asia/Kathmandu",
        "Australia/Adelaide", "America/St_Johns", "Pacific/Chatham", "Europe/London", "America/Los_Angeles", "Pacific/Auckland",
    ];

    // Days on which some of the zones above change their clocks (US, EU, Australia and New Zealand, both ways).
    private static readonly DateOnly[] DstDays =
    [
        new(2026, 3, 8), new(2026, 11, 1), new(2026, 3, 29), new(2026, 10, 25), new(2026, 4, 5), new(2026, 10, 4), new(2026, 9, 27),
    ];

    private static readonly string[] Channels = ["web", "whatsapp", "email"];
    private static readonly string?[] Owners = [null, "alice", "bob"];
    private static readonly string?[] Teams = [null, "sales", "support"];

    private LiveCluster _live = null!;

    public async Task InitializeAsync() => _live = await LiveCluster.StartAsync(new Dictionary<string, string?>
    {
        ["Test:Clock"] = "shared",
        // Nothing ends by itself while the clock stands still, and derived grains write their snapshots rarely: most of
        // what they hold when their silo dies is in memory only.
        ["Live:InactiveSessionTimeout"] = "00:00:00",
        ["Live:SnapshotInterval"] = "00:10:00",
        ["Live:SessionSnapshotEntries"] = "5",
        // Recoveries go by batches of a few streams, each writing its progress.
        ["Live:RecoveryBatch"] = "3",
    });

    public async Task DisposeAsync() => await _live.DisposeAsync();

    [Fact]
    public async Task Figures_cards_and_charts_after_a_silo_crash_equal_a_replay_without_one_in_every_time_zone()
    {
        var reader = new LiveReader(_live.Grains, Options.Create(new LiveOptions()), LiveCluster.SharedClock);
        var checkedFigures = 0;
        // One scenario per zone, each with its own seed (a seed drawing zones left the half-hour zones and every zone's
        // own clock change out); the clock only moves forward, so they run in the order of their instants.
        var scenarios = Zones.Select((zone, i) =>
        {
            var random = new Random(i + 1);
            return (Seed: i + 1, Random: random, Zone: zone, Now: ClockNear(random, zone));
        }).OrderBy(s => s.Now).ToArray();
        var offsets = scenarios.Select(s => TenantClock.Zone(s.Zone).GetUtcOffset(s.Now)).ToHashSet();
        Assert.Superset(new HashSet<TimeSpan> { TimeSpan.FromHours(-12), TimeSpan.FromHours(12), TimeSpan.FromHours(14) }, offsets);
        Assert.Contains(offsets, o => o.Minutes != 0);
        // The seven zones with daylight saving time (US, Canada, EU, Australia, New Zealand) each within a day of a change.
        var nearChanges = scenarios.Count(s => Enumerable.Range(-1, 3)
            .Any(d => ClockChangesOn(s.Zone, DateOnly.FromDateTime(TenantClock.Local(s.Now, s.Zone)).AddDays(d))));
        Assert.True(nearChanges >= 7, $"only {nearChanges} scenarios are within a day of their zone changing its clocks");
        foreach (var (seed, random, zone, now) in scenarios)
        {
            LiveCluster.SharedClock.SetUtcNow(now);
            var script = Script(random, now);
            var killAfter = 1 + random.Next(script.Count - 1);
            var context = $"seed {seed}: {zone}, now {now:O} (local {TimeZoneInfo.ConvertTime(now, TenantClock.Zone(zone)):yyyy-MM-dd HH:mm}), killed after step {killAfter} of {script.Count}";

            // The crashed tenant's grains live on a silo of their own, which dies after a random step; the fresh one's on
            // the primary silo, which never does.
            var doomed = await _live.Cluster.StartAdditionalSiloAsync();
            await _live.Cluster.WaitForLivenessToStabilizeAsync();
            var crashed = $"crash{seed}";
            var fresh = $"fresh{seed}";
            await OnSiloAsync(doomed, () => _live.GrainsOf(doomed).GetGrain<ITenantGrain>(crashed).Configure(new TenantSettingsUpdate(crashed, zone, null)));
            await OnSiloAsync(_live.Cluster.Primary!, () => _live.GrainsOf(_live.Cluster.Primary!).GetGrain<ITenantGrain>(fresh).Configure(new TenantSettingsUpdate(fresh, zone, null)));

            for (var step = 0; step < script.Count; step++)
            {
                try
                {
                    if (step < killAfter) await OnSiloAsync(doomed, () => script[step].RunAsync(_live.GrainsOf(doomed), crashed));
                    else await RetriedAsync(() => script[step].RunAsync(_live.Grains, crashed));
                    await OnSiloAsync(_live.Cluster.Primary!, () => script[step].RunAsync(_live.GrainsOf(_live.Cluster.Primary!), fresh));
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    throw new InvalidOperationException($"{context}: step {step} ({(script[step].Events is null ? "intervention" : "batch")}) failed.", ex);
                }
                if (step + 1 == killAfter) await _live.CrashAsync(doomed);
            }

            checkedFigures += await AssertSameAsync(reader, crashed, fresh, zone, now, context);
        }
        Assert.True(checkedFigures > Zones.Length * 40, $"only {checkedFigures} figures compared");
    }

    /// <summary>Whether the zone's offset at the end of <paramref name="day"/> differs from the one at its start.</summary>
    private static bool ClockChangesOn(string zone, DateOnly day)
    {
        var tz = TenantClock.Zone(zone);
        return tz.GetUtcOffset(day.ToDateTime(TimeOnly.MinValue)) != tz.GetUtcOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue));
    }

    /// <summary>
    /// An instant within 100 minutes of a midnight, local or UTC, of a day the zone changes its clocks (a zone with
    /// daylight saving time) or of a random day (one without).
    /// </summary>
    private static DateTimeOffset ClockNear(Random random, string zone)
    {
        var changes = DstDays.Where(d => ClockChangesOn(zone, d)).ToArray();
        var day = changes.Length > 0 ? changes[random.Next(changes.Length)] : new DateOnly(2026, 1, 1).AddDays(random.Next(330));
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        DateTimeOffset at = random.Next(2) == 0
            ? new DateTimeOffset(midnight, TimeSpan.Zero)
            : TimeZoneInfo.ConvertTimeToUtc(midnight, TenantClock.Zone(zone));
        return Ev.Exact(at.AddMinutes(random.Next(-100, 101)).AddSeconds(random.Next(60)));
    }

    /// <summary>One call a producer or a supervisor makes: an ingest batch or an intervention.</summary>
    private sealed record Step(IReadOnlyList<LiveEvent>? Events, string? Session, InterventionCommand? Intervention)
    {
        public async Task RunAsync(IGrainFactory grains, string tenant)
        {
            if (Events is not null) await grains.GetGrain<IIngestGrain>(tenant).Ingest(Events);
            else await grains.GetGrain<IIngestGrain>(tenant).Intervene(Session!, Intervention!);
        }
    }

    /// <summary>Conversations over the three hours before <paramref name="now"/>, their events interleaved in random batches, interventions between.</summary>
    private static List<Step> Script(Random random, DateTimeOffset now)
    {
        var pending = new List<Queue<object>>();
        var sessions = 6 + random.Next(12);
        for (var s = 0; s < sessions; s++) pending.Add(new Queue<object>(Conversation(random, $"s{s}", now)));
        pending.Add(new Queue<object>(
        [
            new AgentStatusChanged { Id = Ev.NewId(), Timestamp = Ev.Exact(now.AddMinutes(-50)), AgentId = "alice", Status = AgentStatus.Online, Name = "Alice", Kind = AgentKind.Human, Teams = ["sales"] },
            new AgentStatusChanged { Id = Ev.NewId(), Timestamp = Ev.Exact(now.AddMinutes(-40)), AgentId = "bob", Status = AgentStatus.Offline, Name = "Bob", Kind = AgentKind.Human, Teams = ["support"] },
        ]));

        var steps = new List<Step>();
        var batch = new List<LiveEvent>();
        while (pending.Any(q => q.Count > 0))
        {
            var queue = pending.Where(q => q.Count > 0).ElementAt(random.Next(pending.Count(q => q.Count > 0)));
            switch (queue.Dequeue())
            {
                case LiveEvent e:
                    batch.Add(e);
                    break;
                case (string session, InterventionCommand command):
                    if (batch.Count > 0) steps.Add(new Step([.. batch], null, null));
                    batch.Clear();
                    steps.Add(new Step(null, session, command));
                    break;
            }
            if (batch.Count >= 1 + random.Next(12))
            {
                steps.Add(new Step([.. batch], null, null));
                batch.Clear();
            }
        }
        if (batch.Count > 0) steps.Add(new Step([.. batch], null, null));
        return steps;
    }

    private static IEnumerable<object> Conversation(Random random, string id, DateTimeOffset now)
    {
        var t = now.AddMinutes(-random.Next(180)).AddMilliseconds(random.Next(1000));
        DateTimeOffset Next() => t = Min(now, t.AddSeconds(random.Next(-30, 600)));
        if (random.Next(6) > 0)
        {
            yield return Ev.Started(id, t, channel: Channels[random.Next(Channels.Length)], agent: $"bot{random.Next(2)}",
                team: Teams[random.Next(Teams.Length)], owner: Owners[random.Next(Owners.Length)], priority: (Priority)random.Next(4));
        }
        for (var step = 0; step < 2 + random.Next(9); step++)
        {
            yield return random.Next(14) switch
            {
                0 or 1 or 2 => Ev.Received(id, Next(), $"question {random.Next(100)} about my order"),
                3 or 4 => Ev.Sent(id, Next(), $"answer {random.Next(100)}", broadcast: random.Next(5) == 0),
                5 => Ev.Sent(id, Next(), "from a person", SenderKind.Human, Owners[1 + random.Next(2)], internalNote: random.Next(3) == 0,
                    delivery: random.Next(4) == 0 ? Delivery.Failed : Delivery.Sent),
                6 => Ev.Thinking(id, Next()),
                7 => Ev.Error(id, Next()),
                8 => Ev.Assigned(id, Next(), Owners[random.Next(Owners.Length)]),
                9 => Ev.Closed(id, Next()),
                10 => new PriorityChanged { Id = Ev.NewId(), Timestamp = Ev.Exact(Next()), SessionId = id, Priority = (Priority)random.Next(4) },
                11 => (id, Ev.Intervention(InterventionType.Pause, Next())),
                12 => (id, Ev.Intervention(InterventionType.Resume, Next())),
                _ => (id, Ev.Intervention(InterventionType.SystemMessage, Next(), "A notice")),
            };
        }
        if (random.Next(4) == 0) yield return Ev.Ended(id, Next());
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Compares what the two tenants show; answers how many figures were compared.</summary>
    private async Task<int> AssertSameAsync(LiveReader reader, string crashed, string fresh, string zone, DateTimeOffset now, string context)
    {
        var compared = 0;
        void Same<T>(string what, T expected, T actual)
        {
            var e = JsonSerializer.Serialize(expected, LiveJson.Options);
            var a = JsonSerializer.Serialize(actual, LiveJson.Options);
            Assert.True(e == a, $"{context}: {what} differs after the crash.\nreplay:  {e}\nrecovered: {a}");
            compared++;
        }

        LiveFilter[] filters =
        [
            LiveFilter.All, new() { Channels = ["whatsapp"] }, new() { Owners = ["alice"] }, new() { Teams = ["sales", "support"] },
            new() { Priorities = [Priority.High, Priority.Urgent] }, new() { Statuses = [LiveState.Paused, LiveState.Error] }, new() { Q = "order" },
        ];
        foreach (var filter in filters)
        {
            var name = JsonSerializer.Serialize(filter, LiveJson.Options);
            Same($"summary {name}", await reader.SummaryAsync(fresh, filter), await reader.SummaryAsync(crashed, filter));
            Same($"hourly {name}", (await reader.HourlyAsync(fresh, filter)).Hours, (await reader.HourlyAsync(crashed, filter)).Hours);
            Same($"metrics {name}", await reader.MetricsAsync(fresh, filter), await reader.MetricsAsync(crashed, filter));
            Same($"agents {name}", await reader.AgentsAsync(fresh, filter), await reader.AgentsAsync(crashed, filter));
            var expected = await reader.SessionsAsync(fresh, filter, LiveReader.MaxPageSize, null);
            var actual = await reader.SessionsAsync(crashed, filter, LiveReader.MaxPageSize, null);
            Same($"cards {name}", expected.Items, actual.Items);
            Same($"total {name}", expected.Total, actual.Total);
        }

        // The day before and after "today" too: a script near midnight fills two local days.
        foreach (var day in new[] { now.AddDays(-1), now, now.AddDays(1) }.Select(t => TenantClock.Day(t, zone)))
        {
            var a = new SummaryOf(day, await Day(crashed, day).Summary(LiveFilter.All), await Day(crashed, day).Hourly(LiveFilter.All));
            var e = new SummaryOf(day, await Day(fresh, day).Summary(LiveFilter.All), await Day(fresh, day).Hourly(LiveFilter.All));
            Same($"day {day}", e, a);
        }

        // Activity entries are named by their log position, which differs between the tenants: compared without their ids.
        var activity = await reader.ActivityAsync(fresh, LiveFilter.All, 500, null);
        var recovered = await reader.ActivityAsync(crashed, LiveFilter.All, 500, null);
        Same("activity", activity.Items.Select(e => e with { Id = "" }).OrderBy(e => e.At).ThenBy(e => e.SessionId).ThenBy(e => e.Type).ThenBy(e => e.Summary, StringComparer.Ordinal),
            recovered.Items.Select(e => e with { Id = "" }).OrderBy(e => e.At).ThenBy(e => e.SessionId).ThenBy(e => e.Type).ThenBy(e => e.Summary, StringComparer.Ordinal));
        Assert.True((await reader.SummaryAsync(fresh, LiveFilter.All)).ActiveConversations + activity.Items.Count > 0, $"{context}: the script showed nothing");
        return compared;
    }

    private sealed record SummaryOf(string Day, SummaryCounts Summary, IReadOnlyList<int> Hours);

    private ITenantDayGrain Day(string tenant, string day) => _live.Grains.GetGrain<ITenantDayGrain>(LiveKeys.Of(tenant, day));

    /// <summary>Runs calls whose new activations are placed on <paramref name="silo"/> (Orleans' placement hint flows with the calls they make).</summary>
    private static async Task OnSiloAsync(SiloHandle silo, Func<Task> call)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
        try
        {
            await call();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>A call caught by the cluster noticing the dead silo is made again, as producers do (a retry stores nothing twice).</summary>
    private static async Task RetriedAsync(Func<Task> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception ex) when (attempt < 20 && ex is OrleansException or TimeoutException)
            {
                await Task.Delay(250);
            }
        }
    }
}

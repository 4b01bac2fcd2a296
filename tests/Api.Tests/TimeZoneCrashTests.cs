using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Simulator;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// Today's figures survive a SIGKILL for tenants whose local date is not the UTC date: five tenants in time zones
/// chosen from the current time, traffic running when the engine is killed, every figure after the restart equal to
/// those of a fresh engine given the same acknowledged events.
/// </summary>
[Trait("Category", "http")]
public sealed class TimeZoneCrashTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int BatchSize = 40;
    private const int AcksBeforeKill = 60;

    /// <summary>
    /// How far from its own midnight each zone must be when the test starts, so that its date holds until the figures
    /// are compared (the test takes well under a minute; the end checks that every date still differed).
    /// </summary>
    private static readonly TimeSpan MidnightMargin = TimeSpan.FromMinutes(5);

    private readonly string _crashed = Path.Combine(Path.GetTempPath(), $"lo-tzcrash-{Guid.NewGuid():N}");
    private readonly string _replayed = Path.Combine(Path.GetTempPath(), $"lo-tzreplay-{Guid.NewGuid():N}");

    // Snapshots rarely: after the kill most sessions and every derived grain come back from the log.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Live__SessionSnapshotEntries"] = "25",
        ["Live__SnapshotInterval"] = "00:10:00",
        ["Live__EndedGracePeriod"] = "01:00:00",
    };

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_crashed);
        Directory.CreateDirectory(_replayed);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        foreach (var directory in new[] { _crashed, _replayed })
        {
            TestStore.DropFor(directory);
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Five zones whose date differs from the UTC date at <paramref name="now"/>, east and west of it where the hour
    /// allows, each at least <see cref="MidnightMargin"/> from its own midnight, or null when there are not five. Distinct offsets first, spread over those found; then other zones of the same offsets,
    /// farthest from their midnight first. The Etc/GMT±h zones are IANA ids the engine takes, though Linux does not list
    /// them: near 11:00 UTC only they and a few Pacific zones (+13:45, +14, −11 hours) have another date.
    /// </summary>
    private static IReadOnlyList<string>? ZonesOffTheUtcDate(DateTimeOffset now)
    {
        var utcDay = DateOnly.FromDateTime(now.UtcDateTime);
        var candidates = AllZones.Value
            .Select(z => (z.Id, Local: TimeZoneInfo.ConvertTime(now, z)))
            .Where(c => DateOnly.FromDateTime(c.Local.DateTime) != utcDay)
            .Select(c => (c.Id, c.Local.Offset, Margin: c.Local.TimeOfDay < TimeSpan.FromHours(12) ? c.Local.TimeOfDay : TimeSpan.FromDays(1) - c.Local.TimeOfDay))
            .Where(c => c.Margin >= MidnightMargin)
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        if (candidates.Count < 5) return null;
        var offsets = candidates.GroupBy(c => c.Offset).Select(g => g.First()).OrderBy(c => c.Offset).ToList();
        var picked = new[] { 0, offsets.Count - 1, offsets.Count / 2, offsets.Count / 4, 3 * offsets.Count / 4 }
            .Distinct().Select(i => offsets[i].Id).ToList();
        foreach (var c in offsets.Concat(candidates.OrderByDescending(c => c.Margin)))
        {
            if (picked.Count < 5 && !picked.Contains(c.Id)) picked.Add(c.Id);
        }
        return picked;
    }

    private static readonly Lazy<TimeZoneInfo[]> AllZones = new(() =>
        [.. TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Where(id => id.Contains('/') && !id.StartsWith("Etc/", StringComparison.Ordinal))
            .Concat(Enumerable.Range(-14, 27).Where(h => h != 0).Select(h => h < 0 ? $"Etc/GMT{h}" : $"Etc/GMT+{h}"))
            .Distinct(StringComparer.Ordinal).Select(TimeZoneInfo.FindSystemTimeZoneById)]);

    /// <summary>
    /// The first minute from <paramref name="now"/> at which five zones have another date than UTC's, and those zones:
    /// for a few minutes a day (near 11:00 UTC) only four do, and the test waits them out.
    /// </summary>
    private static (DateTimeOffset At, IReadOnlyList<string> Zones) FirstFiveZonesOffTheUtcDate(DateTimeOffset now)
    {
        for (var at = now; at < now.AddHours(1); at = at.AddMinutes(1))
        {
            if (ZonesOffTheUtcDate(at) is { } zones) return (at, zones);
        }
        throw new InvalidOperationException($"no five time zones have another date than UTC within an hour of {now:O}");
    }

    [Fact]
    public void Five_zones_off_the_utc_date_are_found_at_any_time_of_day_all_year_within_minutes()
    {
        var longest = TimeSpan.Zero;
        // Every 7 minutes of the day, over every 5th day of 2026 (days on either side of the clock changes among them).
        for (var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero); day.Year == 2026; day = day.AddDays(5).AddMinutes(7))
        {
            for (var minute = 0; minute < 24 * 60; minute += 7 * 13)
            {
                var now = day.AddMinutes(minute);
                var (at, zones) = FirstFiveZonesOffTheUtcDate(now);
                longest = at - now > longest ? at - now : longest;
                Assert.Equal(5, zones.Distinct(StringComparer.Ordinal).Count());
                foreach (var zone in zones)
                {
                    var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone));
                    Assert.True(DateOnly.FromDateTime(local.DateTime) != DateOnly.FromDateTime(at.UtcDateTime), $"{zone} at {at:O} is on the UTC date");
                    Assert.True(local.TimeOfDay >= MidnightMargin && TimeSpan.FromDays(1) - local.TimeOfDay >= MidnightMargin, $"{zone} at {at:O} is at {local:HH:mm}");
                }
            }
        }
        // The test never waits long for its zones.
        output.WriteLine($"The longest wait for five zones: {longest}.");
        Assert.True(longest <= TimeSpan.FromMinutes(10), $"waited {longest} for five zones");
    }

    [Fact]
    public async Task Figures_of_tenants_whose_date_is_not_the_utc_date_survive_a_kill_under_traffic()
    {
        var (start, zones) = FirstFiveZonesOffTheUtcDate(DateTimeOffset.UtcNow);
        if (start > DateTimeOffset.UtcNow) await Task.Delay(start - DateTimeOffset.UtcNow);
        var tenants = zones.Select((zone, i) => new SimulatedTenant($"tz{i}", zone)).ToArray();
        var model = new TrafficModel(23, tenants, DateTimeOffset.UtcNow, sessionsPerMinute: 300);
        var batches = model.Take(12_000).Where(e => e.Event is not Events.MessageDelta)
            .GroupBy(e => e.Tenant)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Event).Chunk(BatchSize).ToArray());

        // Each tenant's producer sends its batches in order, stamped when sent; what was acknowledged, and the one batch in
        // flight when the engine died, are sent to a fresh engine afterwards in the same order.
        var sent = tenants.Select(_ => new List<Events.LiveEvent[]>()).ToArray();
        var inFlight = new Events.LiveEvent[]?[tenants.Length];
        var keys = new string[tenants.Length];
        Dictionary<string, string> crashedFigures;
        await using (var engine = await EngineProcess.StartAsync(_crashed, Settings))
        {
            for (var t = 0; t < tenants.Length; t++) keys[t] = await CreateTenantAsync(engine.Address, tenants[t]);
            var acks = 0;
            var kill = new TaskCompletionSource();
            var producers = Enumerable.Range(0, tenants.Length).Select(t => Task.Run(async () =>
            {
                using var producer = Producer(engine.Address, keys[t]);
                foreach (var template in batches[t])
                {
                    if (kill.Task.IsCompleted) return;
                    var batch = template.Select(e => e with { Timestamp = Stamp(DateTimeOffset.UtcNow) }).ToArray();
                    inFlight[t] = batch;
                    HttpResponseMessage response;
                    do
                    {
                        try
                        {
                            response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch }, LiveJson.Options);
                        }
                        catch (HttpRequestException)
                        {
                            return; // the engine is gone: this batch is sent again after the restart
                        }
                        // Shed load (429) and passing refusals (503) come with Retry-After: the producer sends the batch again.
                        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) await Task.Delay(200);
                    }
                    while (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable);
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                    sent[t].Add(batch);
                    inFlight[t] = null;
                    if (Interlocked.Increment(ref acks) == AcksBeforeKill) kill.TrySetResult();
                }
            })).ToArray();
            await kill.Task.WaitAsync(TimeSpan.FromSeconds(90));
            engine.Kill();
            await Task.WhenAll(producers);
        }

        await using (var restarted = await EngineProcess.StartAsync(_crashed, Settings))
        {
            for (var t = 0; t < tenants.Length; t++)
            {
                if (inFlight[t] is not { } batch) continue;
                // The producer's retry: whatever of it was stored before the kill answers as duplicates.
                await SendAsync(restarted, keys[t], batch);
                sent[t].Add(batch);
            }
            crashedFigures = await FiguresAsync(restarted, tenants);
        }

        Dictionary<string, string> replayedFigures;
        await using (var fresh = await EngineProcess.StartAsync(_replayed, Settings))
        {
            for (var t = 0; t < tenants.Length; t++)
            {
                var key = await CreateTenantAsync(fresh.Address, tenants[t]);
                foreach (var batch in sent[t]) await SendAsync(fresh, key, batch);
            }
            replayedFigures = await FiguresAsync(fresh, tenants);
        }

        Assert.True(sent.Sum(s => s.Count) >= AcksBeforeKill);
        // The test tested what it says: every zone still had another date than UTC when the figures were read.
        var end = DateTimeOffset.UtcNow;
        Assert.All(tenants, t => Assert.NotEqual(DateOnly.FromDateTime(end.UtcDateTime),
            DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(end, TimeZoneInfo.FindSystemTimeZoneById(t.TimeZone)).DateTime)));
        foreach (var tenant in tenants)
        {
            Assert.Contains("\"activeConversations\":", replayedFigures[tenant.Id]);
            Assert.DoesNotContain("\"activeConversations\":0,", replayedFigures[tenant.Id].Split("\"hourly")[0]);
            Assert.True(replayedFigures[tenant.Id] == crashedFigures[tenant.Id],
                $"{tenant.Id} ({tenant.TimeZone}, local {TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(tenant.TimeZone)):yyyy-MM-dd HH:mm}): " +
                $"the figures after the kill differ from a replay.\nreplay:    {replayedFigures[tenant.Id]}\nrecovered: {crashedFigures[tenant.Id]}");
        }
    }

    private static DateTimeOffset Stamp(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private static async Task SendAsync(EngineProcess engine, string key, Events.LiveEvent[] batch)
    {
        using var producer = Producer(engine.Address, key);
        for (var attempt = 1; ; attempt++)
        {
            var response = await producer.PostAsJsonAsync("/api/v1/events", new { events = batch }, LiveJson.Options);
            // A restarted cluster may answer 503 with Retry-After while its membership settles: a producer retries.
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 30)
            {
                await Task.Delay(1_000);
                continue;
            }
            await engine.ExplainingAsync(() => { Assert.Equal(HttpStatusCode.Accepted, response.StatusCode); return Task.FromResult(0); });
            return;
        }
    }

    private static async Task<Dictionary<string, string>> FiguresAsync(EngineProcess engine, IReadOnlyList<SimulatedTenant> tenants)
    {
        var figures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            using var reader = await SignedInAsync(engine.Address, tenant.Id, "admin", "tz-password");
            // Activity ids carry log positions, which differ between two engines: compared everywhere else.
            figures[tenant.Id] = await engine.ExplainingAsync(() => Figures.ReadAsync(reader, activity: false));
        }
        return figures;
    }

    private static async Task<string> CreateTenantAsync(Uri address, SimulatedTenant tenant)
    {
        using var platform = await SignedInAsync(address, "crash", "admin", "crash-password");
        var response = await platform.PostAsJsonAsync("/api/v1/tenants",
            new { id = tenant.Id, name = tenant.Id, timeZone = tenant.TimeZone, admin = new { username = "admin", password = "tz-password" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ingestKey").GetString()!;
    }

    private static HttpClient Producer(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task<HttpClient> SignedInAsync(Uri address, string tenant, string user, string password)
    {
        var client = new HttpClient { BaseAddress = address };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant, username = user, password });
            if (login.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1_000);
                continue;
            }
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            // A restarted cluster may still settle its membership: reads answer 503 with Retry-After meanwhile.
            while (true)
            {
                using var probe = await client.GetAsync("/api/v1/live/summary");
                if (probe.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline) return client;
                await Task.Delay(1_000);
            }
        }
    }
}

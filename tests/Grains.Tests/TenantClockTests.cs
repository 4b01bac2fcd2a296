namespace LiveOrleans.Grains.Tests;

[Trait("Category", "unit")]
public sealed class TenantClockTests
{
    [Theory]
    [InlineData("2026-11-22T22:59:59Z", "Europe/Berlin", "2026-11-22", 23)]
    [InlineData("2026-11-22T23:00:00Z", "Europe/Berlin", "2026-11-23", 0)]
    [InlineData("2026-11-01T05:30:00Z", "America/New_York", "2026-11-01", 1)]
    [InlineData("2026-11-01T06:30:00Z", "America/New_York", "2026-11-01", 1)]
    [InlineData("2026-03-08T07:00:00Z", "America/New_York", "2026-03-08", 3)]
    [InlineData("2026-11-22T15:00:00Z", "Asia/Kolkata", "2026-11-22", 20)]
    [InlineData("2026-11-22T23:59:00Z", "UTC", "2026-11-22", 23)]
    public void Days_and_hours_are_local_to_the_tenant(string instant, string zone, string day, int hour)
    {
        var at = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(day, TenantClock.Day(at, zone));
        Assert.Equal(hour, TenantClock.Hour(at, zone));
    }

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("UTC", true)]
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("", false)]
    [InlineData("Etc/GMT+5", true)]
    [InlineData("America/Argentina/ComodRivadavia", true)]
    [InlineData("../../../../etc/passwd", false)]
    [InlineData("/usr/share/zoneinfo/UTC", false)]
    [InlineData("Europe/Berlin\n", false)]
    public void Only_known_zones_are_accepted(string zone, bool known) => Assert.Equal(known, TenantClock.IsKnownZone(zone));

    [Fact]
    public void A_value_longer_than_a_zone_id_is_not_a_zone_and_falls_back_to_utc()
    {
        var huge = "Europe/" + new string('x', 1_000_000);

        Assert.False(TenantClock.IsKnownZone(huge));
        Assert.Same(TimeZoneInfo.Utc, TenantClock.Zone(huge));
    }

    [Fact]
    public void Other_spellings_of_a_zone_are_answered_but_not_kept()
    {
        Assert.True(TenantClock.IsKnownZone("Asia/Kolkata"));
        var kept = TenantClock.KeptZones;
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var spelled = new string([.. "Asia/Kolkata".Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c))]);
            if (spelled == "Asia/Kolkata") continue;
            Assert.True(TenantClock.IsKnownZone(spelled), spelled);
            Assert.Equal("2026-11-22", TenantClock.Day(DateTimeOffset.Parse("2026-11-22T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture), spelled));
        }
        // Other tests running beside this one may add real zones, never 500 spellings of one.
        Assert.True(TenantClock.KeptZones - kept < 50, $"{TenantClock.KeptZones - kept} zones kept");
    }
}

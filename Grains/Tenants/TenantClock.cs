using System.Collections.Concurrent;
using System.Globalization;

namespace LiveOrleans.Grains.Tenants;

/// <summary>Calendar arithmetic in a tenant's IANA time zone (DST-aware).</summary>
public static class TenantClock
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Zones = new(StringComparer.Ordinal);

    public static bool IsKnownZone(string id) => Find(id) is not null;

    public static TimeZoneInfo Zone(string id) => Find(id) ?? TimeZoneInfo.Utc;

    private static TimeZoneInfo? Find(string id) => Zones.GetOrAdd(id, static z =>
    {
        if (z.Length is 0 or > 64) return null;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(z);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    });

    public static DateTime Local(DateTimeOffset instant, string zone) => TimeZoneInfo.ConvertTime(instant, Zone(zone)).DateTime;

    /// <summary>The local calendar day as <c>yyyy-MM-dd</c>, the key of tenant-day grains.</summary>
    public static string Day(DateTimeOffset instant, string zone) => Local(instant, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The local hour 0–23; on a fall-back day the repeated hour maps to the same number.</summary>
    public static int Hour(DateTimeOffset instant, string zone) => Local(instant, zone).Hour;
}

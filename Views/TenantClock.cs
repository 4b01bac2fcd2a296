using System.Collections.Concurrent;
using System.Globalization;
using LiveOrleans.Validation;

namespace LiveOrleans.Views;

/// <summary>Calendar arithmetic in a tenant's IANA time zone (DST-aware).</summary>
public static class TenantClock
{
    // Only zones that exist are kept: their number is bounded by the system's zone database, whereas the strings a
    // caller may ask about are not (an admin's 1 MB "time zone", asked 300 times, must not stay in memory).
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    public static bool IsKnownZone(string id) => Find(id) is not null;

    /// <summary>How many zones are kept (for the test that it stays bounded).</summary>
    internal static int KeptZones => Zones.Count;

    public static TimeZoneInfo Zone(string id) => Find(id) ?? TimeZoneInfo.Utc;

    private static TimeZoneInfo? Find(string id)
    {
        if (Zones.TryGetValue(id, out var known)) return known;
        if (!Limits.IsTimeZoneId(id)) return null;
        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            // Another spelling of a zone ("asia/KOLKATA") is found too, but only the zone's own id is kept: the
            // spellings of one id are as many as its letters allow.
            return zone.Id == id ? Zones.GetOrAdd(id, zone) : zone;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    public static DateTime Local(DateTimeOffset instant, string zone) => TimeZoneInfo.ConvertTime(instant, Zone(zone)).DateTime;

    /// <summary>The local calendar day as <c>yyyy-MM-dd</c>, the key of tenant-day grains.</summary>
    public static string Day(DateTimeOffset instant, string zone) => Local(instant, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The local hour 0–23; on a fall-back day the repeated hour maps to the same number.</summary>
    public static int Hour(DateTimeOffset instant, string zone) => Local(instant, zone).Hour;
}

using System.Globalization;
using System.Text;
using LiveOrleans.Live;

namespace LiveOrleans.Views;

/// <summary>Opaque paging cursor of the session list: the last card's activity time and id.</summary>
public static class SessionCursor
{
    public static string Format(DateTimeOffset at, string sessionId)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks}|{sessionId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParse(string? cursor, out SessionListPosition position)
    {
        position = null!;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 400) return false;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var bar = text.IndexOf('|');
            if (bar <= 0 || !long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return false;
            if (ticks > DateTimeOffset.MaxValue.UtcTicks) return false;
            position = new SessionListPosition(new DateTimeOffset(ticks, TimeSpan.Zero), text[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

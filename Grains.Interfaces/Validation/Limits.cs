using System.Text.RegularExpressions;

namespace LiveOrleans.Validation;

/// <summary>The limits of the public contract, in one place.</summary>
public static partial class Limits
{
    public const int MaxEventsPerBatch = 1_000;
    public const int MaxBatchBytes = 1024 * 1024;
    public const int MaxIdLength = 128;
    public const int MaxMessageTextBytes = 32 * 1024;
    public const int MaxNameLength = 200;
    public const int MaxAttachments = 20;
    public const int MaxUrlLength = 2_048;
    public const int MaxMetadataEntries = 32;
    public const int MaxMetadataValueLength = 1_024;
    public const int MaxTeamsPerAgent = 50;
    public const int MaxDeltaLength = 4_096;
    public const int MaxReasonLength = 1_000;
    public const int MaxFilterValues = 100;
    public const int MaxKeywordLength = 200;

    /// <summary>IANA zone ids are short (the longest, America/Argentina/ComodRivadavia, has 32 characters).</summary>
    public const int MaxTimeZoneLength = 64;
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>The oldest event timestamp accepted: older ones are a producer's mistake (0001-01-01), not live traffic.</summary>
    public static readonly DateTimeOffset MinTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>ISO 8601 timestamps as the contract takes them: date, 'T', time with optional fraction, 'Z' or an offset. (\z: a trailing newline is not the end.)</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})\z")]
    public static partial Regex TimestampPattern();

    /// <summary>Producer ids: event, session, agent, team, owner and message ids.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_.:-]{1,128}\z")]
    public static partial Regex IdPattern();

    /// <summary>Channels: a known channel or another lower-case slug.</summary>
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_]{0,31}\z")]
    public static partial Regex ChannelPattern();

    /// <summary>Tenant ids and usernames: lower-case slugs.</summary>
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,62}\z")]
    public static partial Regex SlugPattern();

    /// <summary>Agent colours: CSS hex colours.</summary>
    [GeneratedRegex(@"^#[0-9a-fA-F]{6}\z")]
    public static partial Regex ColorPattern();

    /// <summary>What a time zone id may look like before the zone database is asked: IANA ids (Europe/Berlin, Etc/GMT+5) and Windows names (Pacific Standard Time).</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_+\-/. ]{1,64}\z")]
    public static partial Regex TimeZonePattern();

    /// <summary>Whether the zone database may be asked about a value: the pattern, and nothing that reads as a path out of it.</summary>
    public static bool IsTimeZoneId(string? value)
        => value is not null && TimeZonePattern().IsMatch(value) && !value.StartsWith('/') && !value.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// Why a name shown to people (a user's, an agent's, a team's, a tenant's, a speaker's, a file's) is refused, or
    /// null. Control characters (tab, line feed, NUL …), line and paragraph separators, and the bidirectional
    /// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused rather than stripped: they
    /// reorder or hide what surrounds a name on screen ("Trojan Source"), and a refusal names the field, where a
    /// silent change would store something else than what was sent. Direction marks (U+200E, U+200F, U+061C) stay:
    /// right-to-left names use them and they override nothing.
    /// </summary>
    public static string? NameProblem(string name)
    {
        foreach (var c in name)
        {
            if (char.IsControl(c)) return $"Must not contain control characters (U+{(int)c:X4}).";
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return $"Must not contain bidirectional embedding, override or isolate characters (U+{(int)c:X4}).";
            if (c is '\u2028' or '\u2029') return $"Must not contain line or paragraph separators (U+{(int)c:X4}).";
        }
        return null;
    }

    /// <summary>An absolute http or https URL with a host, without whitespace or control characters (attachment links).</summary>
    public static bool IsWebUrl(string value)
        => (value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            && !value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            && Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.Host.Length > 0;

    public static bool IsId(string? value) => value is not null && IdPattern().IsMatch(value);
}

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
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>Producer ids: event, session, agent, team, owner and message ids.</summary>
    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}$")]
    public static partial Regex IdPattern();

    /// <summary>Channels: a known channel or another lower-case slug.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_]{0,31}$")]
    public static partial Regex ChannelPattern();

    /// <summary>Tenant ids and usernames: lower-case slugs.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    public static partial Regex SlugPattern();

    /// <summary>Agent colours: CSS hex colours.</summary>
    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    public static partial Regex ColorPattern();

    public static bool IsId(string? value) => value is not null && IdPattern().IsMatch(value);
}

using Microsoft.Extensions.Primitives;

namespace LiveOrleans.Api.Http;

/// <summary>Reads the live filter from query parameters (comma-separated lists), naming each bad parameter.</summary>
public static class FilterBinding
{
    public static LiveFilter Read(IQueryCollection query, ValidationErrors errors) => new()
    {
        Teams = Ids(query, "teams", errors),
        Owners = Ids(query, "owners", errors),
        Agents = Ids(query, "agents", errors),
        Channels = List(query, "channels", errors, v => Limits.ChannelPattern().IsMatch(v), "a lower-case channel slug"),
        Priorities = Enums<Priority>(query, "priorities", errors),
        Statuses = Enums<LiveState>(query, "statuses", errors),
        Q = Keyword(query, errors),
        MinDurationSec = Int(query, "minDurationSec", errors, 0, int.MaxValue),
        MaxDurationSec = Int(query, "maxDurationSec", errors, 0, int.MaxValue),
    };

    /// <summary>Validates a filter that arrived as JSON (hubs, saved views).</summary>
    public static void Validate(LiveFilter filter, string path, ValidationErrors errors)
    {
        Check(filter.Teams, $"{path}.teams", Limits.IsId, errors);
        Check(filter.Owners, $"{path}.owners", Limits.IsId, errors);
        Check(filter.Agents, $"{path}.agents", Limits.IsId, errors);
        Check(filter.Channels, $"{path}.channels", v => Limits.ChannelPattern().IsMatch(v), errors);
        if (filter.Q is { Length: > Limits.MaxKeywordLength }) errors.Add($"{path}.q", $"At most {Limits.MaxKeywordLength} characters.");
        if (filter.MinDurationSec < 0) errors.Add($"{path}.minDurationSec", "Must be 0 or more.");
        if (filter.MaxDurationSec < 0) errors.Add($"{path}.maxDurationSec", "Must be 0 or more.");
    }

    private static void Check(IReadOnlyList<string>? values, string path, Func<string, bool> valid, ValidationErrors errors)
    {
        if (values is null) return;
        if (values.Count > Limits.MaxFilterValues) errors.Add(path, $"At most {Limits.MaxFilterValues} values.");
        if (values.Any(v => v is null || !valid(v))) errors.Add(path, "Contains an invalid value.");
    }

    public static int Limit(IQueryCollection query, ValidationErrors errors, int fallback, int max)
        => Int(query, "limit", errors, 1, max) ?? fallback;

    private static IReadOnlyList<string>? Ids(IQueryCollection query, string name, ValidationErrors errors)
        => List(query, name, errors, Limits.IsId, "an id of A-Z, a-z, 0-9, '_', '.', ':' or '-'");

    private static IReadOnlyList<string>? List(IQueryCollection query, string name, ValidationErrors errors, Func<string, bool> valid, string what)
    {
        if (!query.TryGetValue(name, out var raw) || StringValues.IsNullOrEmpty(raw)) return null;
        var values = raw.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
        if (values.Length > Limits.MaxFilterValues)
        {
            errors.Add(name, $"At most {Limits.MaxFilterValues} values.");
            return null;
        }
        foreach (var v in values.Where(v => !valid(v))) errors.Add(name, $"\"{Truncate(v)}\" is not {what}.");
        return values.Length == 0 ? null : values;
    }

    private static IReadOnlyList<T>? Enums<T>(IQueryCollection query, string name, ValidationErrors errors) where T : struct, Enum
    {
        var names = List(query, name, errors, v => EnumNames<T>.TryParse(v, out _), $"one of {string.Join(", ", EnumNames<T>.Names)}");
        return names?.Where(n => EnumNames<T>.TryParse(n, out _)).Select(n => { EnumNames<T>.TryParse(n, out var v); return v; }).ToArray();
    }

    private static string? Keyword(IQueryCollection query, ValidationErrors errors)
    {
        var q = query["q"].ToString();
        if (q.Length == 0) return null;
        if (q.Length > Limits.MaxKeywordLength) errors.Add("q", $"At most {Limits.MaxKeywordLength} characters.");
        return q;
    }

    private static int? Int(IQueryCollection query, string name, ValidationErrors errors, int min, int max)
    {
        var raw = query[name].ToString();
        if (raw.Length == 0) return null;
        if (int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors.Add(name, $"Must be a whole number from {min} to {max}.");
        return null;
    }

    private static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

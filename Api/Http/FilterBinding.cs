using Microsoft.Extensions.Primitives;

namespace LiveOrleans.Api.Http;

/// <summary>
/// The live filter's one validation, used by the three doors that take a filter: query strings (<see cref="Read"/>),
/// the hub's <c>Subscribe</c> and saved views (<see cref="Validate"/>). Every list holds at most
/// <see cref="Limits.MaxFilterValues"/> values, each of its kind; <c>minDurationSec</c> is at most <c>maxDurationSec</c>.
/// </summary>
public static class FilterBinding
{
    /// <summary>The JSON names of the filter's properties (<c>teams</c>, <c>minDurationSec</c> …): anything else is refused.</summary>
    public static readonly IReadOnlyList<string> PropertyNames = [.. typeof(LiveFilter).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
        .Select(p => LiveJson.Options.PropertyNamingPolicy!.ConvertName(p.Name))];

    // Matched as the JSON reader matches them (the web defaults ignore case).
    private static readonly HashSet<string> Known = new(PropertyNames, StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the filter from query parameters (comma-separated lists), then validates it, naming each bad parameter.</summary>
    public static LiveFilter Read(IQueryCollection query, ValidationErrors errors)
    {
        var filter = new LiveFilter
        {
            Teams = List(query, "teams"),
            Owners = List(query, "owners"),
            Agents = List(query, "agents"),
            Channels = List(query, "channels"),
            Priorities = Enums<Priority>(query, "priorities", errors),
            Statuses = Enums<LiveState>(query, "statuses", errors),
            Q = query["q"].ToString() is { Length: > 0 } q ? q : null,
            MinDurationSec = Int(query, "minDurationSec", errors, 0, int.MaxValue),
            MaxDurationSec = Int(query, "maxDurationSec", errors, 0, int.MaxValue),
        };
        Validate(filter, null, errors);
        return filter;
    }

    /// <summary>Validates a filter; <paramref name="path"/> prefixes each field (<c>filter</c> → <c>filter.channels</c>), none for query parameters.</summary>
    public static void Validate(LiveFilter filter, string? path, ValidationErrors errors)
    {
        Check(filter.Teams, Field(path, "teams"), Limits.IsId, Ids, errors);
        Check(filter.Owners, Field(path, "owners"), Limits.IsId, Ids, errors);
        Check(filter.Agents, Field(path, "agents"), Limits.IsId, Ids, errors);
        Check(filter.Channels, Field(path, "channels"), v => Limits.ChannelPattern().IsMatch(v), "a lower-case channel slug", errors);
        CheckCount(filter.Priorities, Field(path, "priorities"), errors);
        CheckCount(filter.Statuses, Field(path, "statuses"), errors);
        if (filter.Q is { Length: > Limits.MaxKeywordLength }) errors.Add(Field(path, "q"), $"At most {Limits.MaxKeywordLength} characters.");
        if (filter.MinDurationSec < 0) errors.Add(Field(path, "minDurationSec"), "Must be 0 or more.");
        if (filter.MaxDurationSec < 0) errors.Add(Field(path, "maxDurationSec"), "Must be 0 or more.");
        if (filter.MinDurationSec is { } min && filter.MaxDurationSec is { } max && min > max)
            errors.Add(Field(path, "minDurationSec"), $"Must not be more than {Field(path, "maxDurationSec")}.");
    }

    /// <summary>The first property of a JSON filter that is not one of the filter's, or null.</summary>
    public static string? UnknownProperty(System.Text.Json.JsonElement json)
        => json.ValueKind == System.Text.Json.JsonValueKind.Object
            ? json.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !Known.Contains(n))
            : null;

    private const string Ids = "an id of A-Z, a-z, 0-9, '_', '.', ':' or '-'";

    private static string Field(string? path, string name) => path is null ? name : $"{path}.{name}";

    private static bool CheckCount<T>(IReadOnlyList<T>? values, string field, ValidationErrors errors)
    {
        if (values is not { Count: > Limits.MaxFilterValues }) return true;
        errors.Add(field, $"At most {Limits.MaxFilterValues} values; this one has {values.Count}.");
        return false;
    }

    private static void Check(IReadOnlyList<string>? values, string field, Func<string, bool> valid, string what, ValidationErrors errors)
    {
        // The count first: a list past the bound is not looked at value by value (nor echoed).
        if (values is null || !CheckCount(values, field, errors)) return;
        foreach (var v in values.Where(v => v is null || !valid(v)).Take(3))
            errors.Add(field, v is null ? $"null is not {what}." : $"\"{Truncate(v)}\" is not {what}.");
    }

    public static int Limit(IQueryCollection query, ValidationErrors errors, int fallback, int max)
        => Int(query, "limit", errors, 1, max) ?? fallback;

    private static IReadOnlyList<string>? List(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var raw) || StringValues.IsNullOrEmpty(raw)) return null;
        var values = raw.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
        return values.Length == 0 ? null : values;
    }

    private static IReadOnlyList<T>? Enums<T>(IQueryCollection query, string name, ValidationErrors errors) where T : struct, Enum
    {
        if (List(query, name) is not { } names || !CheckCount(names, name, errors)) return null;
        var values = new List<T>();
        foreach (var n in names)
        {
            if (EnumNames<T>.TryParse(n, out var value)) values.Add(value);
            else errors.Add(name, $"\"{Truncate(n)}\" is not one of {string.Join(", ", EnumNames<T>.Names)}.");
        }
        return values;
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

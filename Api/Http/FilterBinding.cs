namespace LiveOrleans.Api.Http;

/// <summary>
/// The live filter's one validation, used by the three doors that take a filter: query strings
/// (<see cref="FilterQuery.Read"/>), the hub's <c>Subscribe</c> and saved views. Every list holds at most
/// <see cref="Limits.MaxFilterValues"/> values, each of its kind; <c>minDurationSec</c> is at most <c>maxDurationSec</c>.
/// </summary>
public static class FilterBinding
{
    /// <summary>The JSON names of the filter's properties (<c>teams</c>, <c>minDurationSec</c> …): anything else is refused.</summary>
    public static readonly IReadOnlyList<string> PropertyNames = [.. typeof(LiveFilter).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
        .Select(p => LiveJson.Options.PropertyNamingPolicy!.ConvertName(p.Name))];

    // Matched as the JSON reader matches them (the web defaults ignore case).
    private static readonly HashSet<string> Known = new(PropertyNames, StringComparer.OrdinalIgnoreCase);

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

    private static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

using System.Globalization;

namespace LiveOrleans.Api.Http;

// Query parameter types of the [AsParameters] records. Each binds the text as sent (TryParse never fails) and is read
// by the endpoint: a failed binding would answer a bare 400 for the first bad parameter, where the endpoint names every
// bad one in one problem with a message a person can act on. OpenApiContract documents each type (integer, date-time).

/// <summary>A list of values, comma-separated; the parameter may also be repeated (<c>teams=a,b&amp;teams=c</c>).</summary>
/// <remarks>A repeated parameter reaches <see cref="TryParse"/> joined with commas (that is how the query's values convert to one string).</remarks>
public readonly record struct QueryList(string Text)
{
    public static bool TryParse(string? text, out QueryList value)
    {
        value = new(text ?? "");
        return true;
    }

    /// <summary>The distinct values, or null for none.</summary>
    public IReadOnlyList<string>? Values()
    {
        var values = Text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        return values.Length == 0 ? null : values;
    }

    /// <summary>The values as enum names (snake_case); names each one that is not, and a list past the bound by its count.</summary>
    public IReadOnlyList<T>? Enums<T>(string name, ValidationErrors errors) where T : struct, Enum
    {
        if (Values() is not { } names) return null;
        if (names.Count > Limits.MaxFilterValues)
        {
            // Refused by its count, not value by value (nor echoed).
            errors.Add(name, $"At most {Limits.MaxFilterValues} values; this one has {names.Count}.");
            return null;
        }
        var values = new List<T>();
        foreach (var n in names)
        {
            if (EnumNames<T>.TryParse(n, out var value)) values.Add(value);
            else errors.Add(name, $"\"{QueryText.Truncate(n)}\" is not one of {string.Join(", ", EnumNames<T>.Names)}.");
        }
        return values;
    }
}

/// <summary>A whole number.</summary>
public readonly record struct QueryNumber(string Text)
{
    public static bool TryParse(string? text, out QueryNumber value)
    {
        value = new(text ?? "");
        return true;
    }

    /// <summary>The number; null when empty, or (naming <paramref name="name"/>) when not a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int? Read(string name, ValidationErrors errors, int min, int max)
    {
        if (Text.Length == 0) return null;
        if (int.TryParse(Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        errors.Add(name, $"Must be a whole number from {min} to {max}.");
        return null;
    }
}

/// <summary>An ISO 8601 timestamp with a zone, as events take them.</summary>
public readonly record struct QueryTime(string Text)
{
    public static bool TryParse(string? text, out QueryTime value)
    {
        value = new(text ?? "");
        return true;
    }

    /// <summary>The time; null when empty, or (naming <paramref name="name"/>) when not one.</summary>
    public DateTimeOffset? Read(string name, ValidationErrors errors)
    {
        if (Text.Length == 0) return null;
        if (EventValidator.TryParseTimestamp(Text, out var value)) return value;
        errors.Add(name, "Must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-22T10:00:00Z.");
        return null;
    }
}

internal static class QueryText
{
    public static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

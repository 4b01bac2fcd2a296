namespace LiveOrleans.Queries;

/// <summary>
/// The dashboard filter (docs/contract.md, Live queries). Filters combine with AND, values within one filter with OR;
/// an empty or absent filter means "all". Which parts apply to which view is decided by docs/semantics.md:
/// the summary and hourly chart use teams, owners and channels; the agents panel uses teams and owners only.
/// </summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record LiveFilter
{
    public IReadOnlyList<string>? Teams { get; init; }
    public IReadOnlyList<string>? Owners { get; init; }
    public IReadOnlyList<string>? Channels { get; init; }
    public IReadOnlyList<string>? Agents { get; init; }
    public IReadOnlyList<Priority>? Priorities { get; init; }
    public IReadOnlyList<LiveState>? Statuses { get; init; }
    public string? Q { get; init; }
    public int? MinDurationSec { get; init; }
    public int? MaxDurationSec { get; init; }

    public static readonly LiveFilter All = new();

    /// <summary>Narrows a filter to the conversations one owner may see (role <c>agent</c>).</summary>
    public LiveFilter RestrictToOwner(string ownerId)
    {
        // An agent asking for other owners gets nothing rather than an error: the filter intersects.
        var owners = Owners is { Count: > 0 } ? Owners.Where(o => o == ownerId).ToArray() : [ownerId];
        return this with { Owners = owners.Length == 0 ? [NoOwnerMatches] : owners };
    }

    /// <summary>An owner id that cannot occur (ids never contain a space); used to make a filter match nothing.</summary>
    public const string NoOwnerMatches = "\u0000 none";

    public static bool Allows<T>(IReadOnlyList<T>? values, T value) => values is not { Count: > 0 } || values.Contains(value);

    public static bool AllowsOptional(IReadOnlyList<string>? values, string? value)
        => values is not { Count: > 0 } || (value is not null && values.Contains(value));
}

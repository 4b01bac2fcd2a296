using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Http;

/// <summary>
/// An intervention's audit entry as the Api answers it to people: the entry as logged, with the name of the person
/// who acted (<paramref name="AdminName"/>, null when they are no longer a member of the tenant). The name is read
/// when the answer is made and is not part of the logged entry, whose hash chain covers <paramref name="AdminId"/>.
/// </summary>
public sealed record InterventionEntry(
    string InterventionId,
    string SessionId,
    string AdminId,
    string? AdminName,
    InterventionType Type,
    string Reason,
    DateTimeOffset Timestamp,
    string Tenant,
    string? Content,
    InterventionTarget? Target,
    string? Original)
{
    public static InterventionEntry From(InterventionView entry, PersonNames names)
        => new(entry.InterventionId, entry.SessionId, entry.AdminId, names.Of(entry.Tenant, entry.AdminId), entry.Type, entry.Reason,
            entry.Timestamp, entry.Tenant, entry.Content, entry.Target, entry.Original);

    public static IReadOnlyList<InterventionEntry> From(IReadOnlyList<InterventionView> entries, PersonNames names)
        => [.. entries.Select(e => From(e, names))];
}

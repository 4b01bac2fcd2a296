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
    public static InterventionEntry From(InterventionView entry, string? adminName)
        => new(entry.InterventionId, entry.SessionId, entry.AdminId, adminName, entry.Type, entry.Reason,
            entry.Timestamp, entry.Tenant, entry.Content, entry.Target, entry.Original);


    public static async ValueTask<InterventionEntry> FromAsync(InterventionView entry, PersonNames names)
        => From(entry, await names.OfAsync(entry.Tenant, entry.AdminId));

    public static async Task<IReadOnlyList<InterventionEntry>> FromAsync(IReadOnlyList<InterventionView> entries, PersonNames names)
    {
        var answer = new List<InterventionEntry>(entries.Count);
        foreach (var entry in entries) answer.Add(await FromAsync(entry, names));
        return answer;
    }
}

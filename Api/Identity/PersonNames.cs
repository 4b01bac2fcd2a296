namespace LiveOrleans.Api.Identity;

/// <summary>
/// The names people are shown under, for answers that record them by id (who made an intervention). Read through
/// <see cref="AccessCache"/>, so a renamed person shows under the new name within its window and a busy dashboard
/// costs the store one read per person and window. A person removed since, or of another tenant, has no name here:
/// the answer keeps the id alone.
/// </summary>
public sealed class PersonNames(AccessCache access)
{
    /// <summary>The name of a member of <paramref name="tenant"/>, or null.</summary>
    public async ValueTask<string?> OfAsync(string tenant, string userId)
        => await access.UserAsync(userId) is { } user && string.Equals(user.Tenant, tenant, StringComparison.Ordinal) ? user.Name : null;
}

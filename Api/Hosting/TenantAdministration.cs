using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Hosting;

/// <summary>Creating and configuring tenants: the identity tables and the tenant's grains, kept in step.</summary>
public sealed class TenantAdministration(IdentityStore identity, LiveEngine engine, TimeProvider time)
{
    /// <summary>Creates a tenant with its first admin and ingest key; the settings reach the grains through the log.</summary>
    /// <exception cref="AlreadyExistsException">The tenant id is taken.</exception>
    public async Task CreateAsync(string id, string name, string timeZone, string adminUsername, string adminPassword, string ingestKey, bool platformAdmin)
    {
        var now = time.GetUtcNow();
        var admin = new UserRecord(NewUserId(), id, adminUsername, adminUsername, Role.Admin, null, platformAdmin, PasswordHasher.Hash(adminPassword));
        identity.CreateTenant(new TenantRecord(id, name, timeZone), admin, ingestKey, now);
        try
        {
            await engine.CommandAsync(id, new ConfigureTenant { Timestamp = now, Name = name, TimeZone = timeZone });
        }
        catch
        {
            // Nothing half-written: without its settings in the log the tenant must not exist.
            identity.DeleteTenant(id);
            throw;
        }
    }

    public async Task UpdateAsync(string id, string? name, string? timeZone, int? waitingAlertSeconds)
    {
        await engine.CommandAsync(id, new ConfigureTenant
        {
            Timestamp = time.GetUtcNow(), Name = name, TimeZone = timeZone, WaitingAlertSeconds = waitingAlertSeconds,
        });
        identity.UpdateTenant(id, name, timeZone);
    }

    public static string NewUserId() => "usr_" + ApiKeys.NewSecret(9);
}

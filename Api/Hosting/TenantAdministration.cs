using LiveOrleans.Api.Identity;
using LiveOrleans.Grains;
using LiveOrleans.Live;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Hosting;

/// <summary>Creating and configuring tenants: the identity tables and the tenant's grain, kept in step.</summary>
public sealed class TenantAdministration(IIdentityStore identity, IGrainFactory grains, [FromKeyedServices(LiveTime.Key)] TimeProvider time)
{
    /// <summary>Creates a tenant with its first admin and ingest key, and gives its grain the settings.</summary>
    /// <exception cref="AlreadyExistsException">The tenant id is taken.</exception>
    public async Task CreateAsync(string id, string name, string timeZone, string adminUsername, string adminPassword, string ingestKey, bool platformAdmin)
    {
        var now = time.GetUtcNow();
        var admin = new UserRecord(NewUserId(), id, adminUsername, adminUsername, Role.Admin, null, platformAdmin, PasswordHasher.Hash(adminPassword));
        await identity.CreateTenantAsync(new TenantRecord(id, name, timeZone), admin, ApiKeys.Hash(ingestKey), now);
        try
        {
            await grains.GetGrain<ITenantGrain>(id).Configure(new TenantSettingsUpdate(name, timeZone, null));
        }
        catch
        {
            // Nothing half-written: a tenant whose grain has no settings must not exist.
            await identity.DeleteTenantAsync(id);
            throw;
        }
    }

    public async Task UpdateAsync(string id, string? name, string? timeZone, int? waitingAlertSeconds)
    {
        await grains.GetGrain<ITenantGrain>(id).Configure(new TenantSettingsUpdate(name, timeZone, waitingAlertSeconds));
        await identity.UpdateTenantAsync(id, name, timeZone);
    }

    public static string NewUserId() => "usr_" + ApiKeys.NewSecret(9);
}

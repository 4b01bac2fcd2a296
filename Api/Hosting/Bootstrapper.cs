using LiveOrleans.Api.Identity;
using LiveOrleans.Grains;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Hosting;

/// <summary>
/// On an empty store: creates the bootstrap tenant, its admin (who is also the platform administrator) and its
/// ingest key. A secret that is not configured is generated and printed once.
/// </summary>
public sealed partial class Bootstrapper(IConfiguration configuration, IIdentityStore identity, TenantAdministration tenants, IStoreDatabase store,
    ILogger<Bootstrapper> logger)
    : IHostedService
{
    private static readonly string[] BootstrapKeys = ["Tenant", "AdminUser", "AdminPassword", "IngestKey", "TimeZone"];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var section = configuration.GetSection("Bootstrap");
        if (await identity.HasTenantsAsync())
        {
            // Secrets given for a store that already has its tenants change nothing: say so, or every call gets 401 unexplained.
            var ignored = BootstrapKeys.Where(k => !string.IsNullOrEmpty(section[k])).Select(k => $"Bootstrap:{k}").ToArray();
            if (ignored.Length > 0)
            {
                Log.Ignored(logger, string.Join(", ", ignored), store.Description);
            }
            return;
        }
        var tenant = section["Tenant"] is { Length: > 0 } t ? t : "demo";
        var username = section["AdminUser"] is { Length: > 0 } u ? u : "admin";
        var timeZone = section["TimeZone"] is { Length: > 0 } z ? z : "UTC";
        var password = section["AdminPassword"];
        var key = section["IngestKey"];
        var generatedPassword = string.IsNullOrEmpty(password);
        var generatedKey = string.IsNullOrEmpty(key);
        password = generatedPassword ? ApiKeys.NewSecret() : password!;
        key = generatedKey ? ApiKeys.NewKey() : key!;

        try
        {
            await tenants.CreateAsync(tenant, tenant, timeZone, username, password, key, platformAdmin: true);
        }
        catch (AlreadyExistsException)
        {
            // Cluster mode: another Api node starting at the same moment on the same empty database created it first.
            Log.CreatedElsewhere(logger, tenant);
            return;
        }
        Log.Created(logger, tenant, username, timeZone);
        if (generatedPassword || generatedKey)
        {
            // Printed once, on the console only: set Bootstrap:AdminPassword / Bootstrap:IngestKey to choose them.
            Console.WriteLine($"""

                ==== LiveOrleans bootstrap (shown once) ====
                tenant:         {tenant}
                admin user:     {username}
                {(generatedPassword ? $"admin password: {password}" : "admin password: (from Bootstrap:AdminPassword)")}
                {(generatedKey ? $"ingest key:     {key}" : "ingest key:     (from Bootstrap:IngestKey)")}
                ============================================

                """);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Whether the engine must not start: its embedded store is missing but the marker file beside it says a store was
    /// created there (deleted by mistake, a volume not mounted). Starting would bootstrap a new, empty store over it:
    /// instead one line says why and what to do, and the process exits non-zero.
    /// </summary>
    public static bool RefusesMissingStore(IConfiguration configuration, ILogger logger)
    {
        var storage = configuration.GetSection("Storage").Get<LiveOrleans.Hosting.StorageOptions>() ?? new LiveOrleans.Hosting.StorageOptions();
        if (storage.IsPostgreSql) return false;
        try
        {
            LiveOrleans.Storage.Sqlite.SqliteDatabase.RefuseMissing(storage.SqlitePath);
            return false;
        }
        catch (LiveOrleans.Storage.Sqlite.StoreMissingException ex)
        {
            Log.StoreMissing(logger, ex.Message);
            return true;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Bootstrap: created tenant {Tenant} (time zone {TimeZone}) with admin {User}.")]
        public static partial void Created(ILogger logger, string tenant, string user, string timeZone);

        [LoggerMessage(2, LogLevel.Warning, "Bootstrap: {Keys} ignored: the store ({Store}) already has its tenants, so its existing secrets stay. Use them, or start on a new store (another Storage:SqlitePath, or delete that file and its .id marker; in cluster mode, another database).")]
        public static partial void Ignored(ILogger logger, string keys, string store);

        [LoggerMessage(3, LogLevel.Information, "Bootstrap: tenant {Tenant} was created by another node starting at the same time; its secrets are the ones that node was given or printed.")]
        public static partial void CreatedElsewhere(ILogger logger, string tenant);

        [LoggerMessage(4, LogLevel.Critical, "{Refusal}")]
        public static partial void StoreMissing(ILogger logger, string refusal);
    }
}

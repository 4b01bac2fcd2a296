using LiveOrleans.Queries;

namespace LiveOrleans.Storage;

public sealed record TenantRecord(string Id, string Name, string TimeZone);

public sealed record UserRecord(string Id, string Tenant, string Username, string Name, Role Role, string? AgentId, bool PlatformAdmin, string PasswordHash);

/// <summary>An API key as it may be shown: never the key itself (only its hash is stored).</summary>
public sealed record ApiKeyRecord(string Id, string? Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>The key a request presented, as the store knows it.</summary>
public sealed record KeyOwner(string Id, string Tenant);

/// <summary>What became of a change to a person.</summary>
public enum UserChange
{
    Done,
    NotFound,
    /// <summary>The tenant would have no admin left.</summary>
    LastAdmin,
    /// <summary>The platform administrator is not removed or demoted through a tenant's routes.</summary>
    PlatformAdmin,
}

/// <summary>Thrown when a tenant or a username is already taken.</summary>
public sealed class AlreadyExistsException(string message) : Exception(message);

/// <summary>
/// Tenants, people and API keys. The Api reads and writes them through this contract; the silo side implements it on
/// the store's database (SQLite file or PostgreSQL), so the Api never holds a connection or a statement.
/// </summary>
public interface IIdentityStore
{
    Task<bool> HasTenantsAsync();

    /// <summary>Creates a tenant with its first admin and an ingest key (its hash), in one transaction.</summary>
    /// <exception cref="AlreadyExistsException">The tenant id or the admin's username is taken.</exception>
    Task CreateTenantAsync(TenantRecord tenant, UserRecord admin, string ingestKeyHash, DateTimeOffset now);

    /// <summary>Removes a tenant with its people and keys.</summary>
    Task DeleteTenantAsync(string tenantId);

    Task<TenantRecord?> FindTenantAsync(string id);

    /// <summary>Renames a tenant or changes its time zone; null leaves a setting.</summary>
    Task UpdateTenantAsync(string id, string? name, string? timeZone);

    /// <exception cref="AlreadyExistsException">The username is taken in the tenant.</exception>
    Task CreateUserAsync(UserRecord user, DateTimeOffset now);

    Task<UserRecord?> FindUserAsync(string tenant, string username);

    /// <summary>A person by id, whatever the tenant (ids are unique across tenants); null when there is none.</summary>
    Task<UserRecord?> FindUserByIdAsync(string id);

    /// <summary>The tenant's people, by username.</summary>
    Task<IReadOnlyList<UserRecord>> UsersAsync(string tenant);

    /// <summary>
    /// Changes a person's name, role or agent id (null leaves it). Refused when it would leave the tenant without an
    /// admin, or demote the platform administrator.
    /// </summary>
    Task<(UserChange Change, UserRecord? User)> UpdateUserAsync(string tenant, string id, string? name, Role? role, string? agentId);

    /// <summary>Removes a person and their saved views. Refused for the tenant's last admin and for the platform administrator.</summary>
    Task<(UserChange Change, UserRecord? User)> DeleteUserAsync(string tenant, string id);

    /// <summary>Stores a new key by its hash (the key itself never reaches the store); answers its id.</summary>
    Task<string> AddApiKeyAsync(string tenant, string keyHash, string? name, DateTimeOffset now);

    /// <summary>The tenant's keys, oldest first; never the keys themselves.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ApiKeysOfAsync(string tenant);

    /// <summary>Removes one of the tenant's keys; answers its hash, or null when the tenant has no key of that id.</summary>
    Task<string?> DeleteApiKeyAsync(string tenant, string id);

    /// <summary>
    /// The key of a hash, or null when there is none; notes that it was used at <paramref name="now"/> (in the store at
    /// most once a minute).
    /// </summary>
    Task<KeyOwner?> FindKeyAsync(string hash, DateTimeOffset now);
}

/// <summary>A person's saved filter: server-side, so it follows them from the wall screen to their laptop.</summary>
public sealed record SavedView(string Id, string Name, LiveFilter Filter);

/// <summary>Why a saved view could not be written.</summary>
public enum ViewWriteResult { Written, NotFound, NameTaken, TooMany }

/// <summary>Saved views, every query scoped to (tenant, user); implemented by the silo side on the store's database.</summary>
public interface ISavedViewStore
{
    /// <summary>Views one person may keep.</summary>
    public const int MaxViewsPerUser = 100;

    /// <summary>The person's views, by name.</summary>
    Task<IReadOnlyList<SavedView>> ListAsync(string tenant, string userId);

    Task<SavedView?> FindAsync(string tenant, string userId, string id);

    /// <summary>Adds a view, unless the person already has one of that name or as many as they may keep.</summary>
    Task<ViewWriteResult> CreateAsync(string tenant, string userId, SavedView view, DateTimeOffset now);

    /// <summary>Renames a view or replaces its filter; only its owner's.</summary>
    Task<ViewWriteResult> UpdateAsync(string tenant, string userId, SavedView view, DateTimeOffset now);

    Task<bool> DeleteAsync(string tenant, string userId, string id);
}

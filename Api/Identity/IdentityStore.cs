using System.Collections.Concurrent;
using System.Data.Common;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Identity;

public sealed record TenantRecord(string Id, string Name, string TimeZone);

public sealed record UserRecord(string Id, string Tenant, string Username, string Name, Role Role, string? AgentId, bool PlatformAdmin, string PasswordHash);

/// <summary>Thrown when a tenant or a username is already taken.</summary>
public sealed class AlreadyExistsException(string message) : Exception(message);

/// <summary>Tenants, people and API keys, in the store's database (SQLite file or PostgreSQL; the store creates the tables).</summary>
public sealed class IdentityStore(IStoreDatabase database)
{
    private readonly ConcurrentDictionary<string, string?> _keyTenants = new(StringComparer.Ordinal);

    public bool HasTenants()
    {
        using var connection = database.Open();
        return Convert.ToInt64(connection.Scalar("SELECT COUNT(*) FROM (SELECT 1 FROM tenants LIMIT 1) AS t", null)) == 1;
    }

    /// <summary>Creates a tenant with its first admin and an ingest key, in one transaction.</summary>
    public void CreateTenant(TenantRecord tenant, UserRecord admin, string ingestKey, DateTimeOffset now)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        try
        {
            connection.Execute("INSERT INTO tenants(id, name, time_zone, created_at) VALUES (@id, @name, @tz, @at)", transaction,
                ("@id", tenant.Id), ("@name", tenant.Name), ("@tz", tenant.TimeZone), ("@at", now.ToString("O")));
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            throw new AlreadyExistsException($"Tenant '{tenant.Id}' already exists.");
        }
        InsertUser(connection, transaction, admin, now);
        InsertKey(connection, transaction, tenant.Id, ingestKey, now);
        transaction.Commit();
    }

    public void DeleteTenant(string tenantId)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("DELETE FROM api_keys WHERE tenant = @t", transaction, ("@t", tenantId));
        connection.Execute("DELETE FROM users WHERE tenant = @t", transaction, ("@t", tenantId));
        connection.Execute("DELETE FROM tenants WHERE id = @t", transaction, ("@t", tenantId));
        transaction.Commit();
        foreach (var pair in _keyTenants.Where(p => p.Value == tenantId)) _keyTenants.TryRemove(pair.Key, out _);
    }

    public TenantRecord? FindTenant(string id)
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT id, name, time_zone FROM tenants WHERE id = @id", null, ("@id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new TenantRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public void UpdateTenant(string id, string? name, string? timeZone)
    {
        using var connection = database.Open();
        // Each setting in its own statement: a null parameter has no type PostgreSQL could infer inside COALESCE.
        if (name is not null) connection.Execute("UPDATE tenants SET name = @name WHERE id = @id", null, ("@id", id), ("@name", name));
        if (timeZone is not null) connection.Execute("UPDATE tenants SET time_zone = @tz WHERE id = @id", null, ("@id", id), ("@tz", timeZone));
    }

    public void CreateUser(UserRecord user, DateTimeOffset now)
    {
        using var connection = database.Open();
        InsertUser(connection, null, user, now);
    }

    public UserRecord? FindUser(string tenant, string username)
    {
        using var connection = database.Open();
        using var command = connection.Command(
            "SELECT id, tenant, username, name, role, agent_id, platform_admin, password_hash FROM users WHERE tenant = @t AND username = @u", null,
            ("@t", tenant), ("@u", username));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            EnumNames<Role>.TryParse(reader.GetString(4), out var role) ? role : Role.Viewer,
            reader.IsDBNull(5) ? null : reader.GetString(5), Convert.ToInt64(reader.GetValue(6)) == 1, reader.GetString(7));
    }

    public void AddApiKey(string tenant, string key, DateTimeOffset now)
    {
        using var connection = database.Open();
        InsertKey(connection, null, tenant, key, now);
    }

    /// <summary>The tenant an API key belongs to, or null; answers are cached (a key is never reassigned).</summary>
    public string? TenantOfKey(string key)
    {
        var hash = ApiKeys.Hash(key);
        if (_keyTenants.TryGetValue(hash, out var cached)) return cached;
        using var connection = database.Open();
        var tenant = connection.Scalar("SELECT tenant FROM api_keys WHERE key_hash = @h", null, ("@h", hash)) as string;
        if (tenant is not null) _keyTenants[hash] = tenant;
        return tenant;
    }

    private void InsertUser(DbConnection connection, DbTransaction? transaction, UserRecord user, DateTimeOffset now)
    {
        try
        {
            connection.Execute("""
                INSERT INTO users(id, tenant, username, name, role, agent_id, platform_admin, password_hash, created_at)
                VALUES (@id, @t, @u, @n, @r, @a, @p, @h, @at)
                """, transaction,
                ("@id", user.Id), ("@t", user.Tenant), ("@u", user.Username), ("@n", user.Name), ("@r", EnumNames<Role>.Name(user.Role)),
                ("@a", user.AgentId), ("@p", user.PlatformAdmin ? 1 : 0), ("@h", user.PasswordHash), ("@at", now.ToString("O")));
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            throw new AlreadyExistsException($"User '{user.Username}' already exists in this tenant.");
        }
    }

    private static void InsertKey(DbConnection connection, DbTransaction? transaction, string tenant, string key, DateTimeOffset now)
        => connection.Execute("INSERT INTO api_keys(key_hash, tenant, created_at) VALUES (@h, @t, @at)", transaction,
            ("@h", ApiKeys.Hash(key)), ("@t", tenant), ("@at", now.ToString("O")));
}

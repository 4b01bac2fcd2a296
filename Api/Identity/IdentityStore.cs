using System.Data.Common;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Identity;

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

/// <summary>Tenants, people and API keys, in the store's database (SQLite file or PostgreSQL; the store creates the tables).</summary>
public sealed class IdentityStore(IStoreDatabase database)
{
    /// <summary>How often the store is told that a key is still used: <c>last_used_at</c> is to the minute, not a write per request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private const string UserColumns = "id, tenant, username, name, role, agent_id, platform_admin, password_hash";

    public bool HasTenants()
    {
        using var connection = database.Open();
        return Convert.ToInt64(connection.Scalar("SELECT COUNT(*) FROM (SELECT 1 FROM tenants LIMIT 1) AS t", null), System.Globalization.CultureInfo.InvariantCulture) == 1;
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
        return ReadUsers(connection, null, $"SELECT {UserColumns} FROM users WHERE tenant = @t AND username = @u", ("@t", tenant), ("@u", username))
            .FirstOrDefault();
    }

    /// <summary>A person by id, whatever the tenant (ids are unique across tenants); null when there is none.</summary>
    public UserRecord? FindUserById(string id)
    {
        using var connection = database.Open();
        return ReadUsers(connection, null, $"SELECT {UserColumns} FROM users WHERE id = @id", ("@id", id)).FirstOrDefault();
    }

    /// <summary>The tenant's people, by username.</summary>
    public IReadOnlyList<UserRecord> Users(string tenant)
    {
        using var connection = database.Open();
        return ReadUsers(connection, null, $"SELECT {UserColumns} FROM users WHERE tenant = @t ORDER BY username", ("@t", tenant));
    }

    /// <summary>
    /// Changes a person's name, role or agent id (null leaves it). Refused when it would leave the tenant without an
    /// admin, or demote the platform administrator.
    /// </summary>
    public (UserChange Change, UserRecord? User) UpdateUser(string tenant, string id, string? name, Role? role, string? agentId)
        => ChangeUser(tenant, id, demotes: user => user.Role == Role.Admin && role is { } r && r != Role.Admin, (connection, transaction) =>
        {
            // Each setting in its own statement: a null parameter has no type PostgreSQL could infer inside COALESCE.
            if (name is not null) connection.Execute("UPDATE users SET name = @n WHERE id = @id", transaction, ("@id", id), ("@n", name));
            if (role is { } newRole) connection.Execute("UPDATE users SET role = @r WHERE id = @id", transaction, ("@id", id), ("@r", EnumNames<Role>.Name(newRole)));
            if (agentId is not null) connection.Execute("UPDATE users SET agent_id = @a WHERE id = @id", transaction, ("@id", id), ("@a", agentId));
        });

    /// <summary>Removes a person and their saved views. Refused for the tenant's last admin and for the platform administrator.</summary>
    public (UserChange Change, UserRecord? User) DeleteUser(string tenant, string id)
        => ChangeUser(tenant, id, demotes: user => user.Role == Role.Admin, (connection, transaction) =>
        {
            connection.Execute("DELETE FROM saved_views WHERE tenant = @t AND user_id = @id", transaction, ("@t", tenant), ("@id", id));
            connection.Execute("DELETE FROM users WHERE id = @id", transaction, ("@id", id));
        });

    private (UserChange, UserRecord?) ChangeUser(string tenant, string id, Func<UserRecord, bool> demotes, Action<DbConnection, DbTransaction> change)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        // A write to the tenant's row first: changes to one tenant's people are one at a time (PostgreSQL locks the row,
        // SQLite the file), so two admins demoting each other at once cannot both pass the count below.
        connection.Execute("UPDATE tenants SET name = name WHERE id = @t", transaction, ("@t", tenant));
        var user = ReadUsers(connection, transaction, $"SELECT {UserColumns} FROM users WHERE id = @id AND tenant = @t", ("@id", id), ("@t", tenant))
            .FirstOrDefault();
        if (user is null) return (UserChange.NotFound, null);
        if (demotes(user))
        {
            if (user.PlatformAdmin) return (UserChange.PlatformAdmin, user);
            var admins = Convert.ToInt64(connection.Scalar("SELECT COUNT(*) FROM users WHERE tenant = @t AND role = @r", transaction,
                ("@t", tenant), ("@r", EnumNames<Role>.Name(Role.Admin))), System.Globalization.CultureInfo.InvariantCulture);
            if (admins <= 1) return (UserChange.LastAdmin, user);
        }
        change(connection, transaction);
        var after = ReadUsers(connection, transaction, $"SELECT {UserColumns} FROM users WHERE id = @id", ("@id", id)).FirstOrDefault();
        transaction.Commit();
        return (UserChange.Done, after ?? user);
    }

    private static List<UserRecord> ReadUsers(DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] parameters)
    {
        using var command = connection.Command(sql, transaction, parameters);
        using var reader = command.ExecuteReader();
        var users = new List<UserRecord>();
        while (reader.Read())
        {
            users.Add(new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                EnumNames<Role>.TryParse(reader.GetString(4), out var role) ? role : Role.Viewer,
                reader.IsDBNull(5) ? null : reader.GetString(5), Convert.ToInt64(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture) == 1, reader.GetString(7)));
        }
        return users;
    }

    /// <summary>Stores a new key (its hash); answers its id.</summary>
    public string AddApiKey(string tenant, string key, string? name, DateTimeOffset now)
    {
        using var connection = database.Open();
        return InsertKey(connection, null, tenant, key, now, name);
    }

    /// <summary>The tenant's keys, oldest first; never the keys themselves.</summary>
    public IReadOnlyList<ApiKeyRecord> ApiKeysOf(string tenant)
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT id, name, created_at, last_used_at FROM api_keys WHERE tenant = @t ORDER BY created_at, id", null, ("@t", tenant));
        using var reader = command.ExecuteReader();
        var keys = new List<ApiKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new ApiKeyRecord(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.Parse(reader.GetString(2), System.Globalization.CultureInfo.InvariantCulture),
                reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), System.Globalization.CultureInfo.InvariantCulture)));
        }
        return keys;
    }

    /// <summary>Removes one of the tenant's keys; answers its hash, or null when the tenant has no key of that id.</summary>
    public string? DeleteApiKey(string tenant, string id)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var hash = connection.Scalar("SELECT key_hash FROM api_keys WHERE id = @id AND tenant = @t", transaction, ("@id", id), ("@t", tenant)) as string;
        if (hash is not null) connection.Execute("DELETE FROM api_keys WHERE key_hash = @h", transaction, ("@h", hash));
        transaction.Commit();
        return hash;
    }

    /// <summary>
    /// The key of a hash, or null when there is none; notes that it was used at <paramref name="now"/> (in the store at
    /// most once a minute).
    /// </summary>
    public KeyOwner? FindKey(string hash, DateTimeOffset now)
    {
        using var connection = database.Open();
        KeyOwner owner;
        string? lastUsed;
        using (var command = connection.Command("SELECT id, tenant, last_used_at FROM api_keys WHERE key_hash = @h", null, ("@h", hash)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read()) return null;
            owner = new KeyOwner(reader.GetString(0), reader.GetString(1));
            lastUsed = reader.IsDBNull(2) ? null : reader.GetString(2);
        }
        if (lastUsed is null || !DateTimeOffset.TryParse(lastUsed, System.Globalization.CultureInfo.InvariantCulture, out var last) || now - last >= LastUsedResolution)
        {
            try
            {
                connection.Execute("UPDATE api_keys SET last_used_at = @at WHERE key_hash = @h", null, ("@h", hash), ("@at", now.ToString("O")));
            }
            catch (DbException)
            {
                // Informational only: a store that cannot take the note now (busy, full) must not refuse the key.
            }
        }
        return owner;
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

    private static string InsertKey(DbConnection connection, DbTransaction? transaction, string tenant, string key, DateTimeOffset now, string? name = null)
    {
        var id = "key_" + ApiKeys.NewSecret(9);
        connection.Execute("INSERT INTO api_keys(key_hash, tenant, created_at, id, name) VALUES (@h, @t, @at, @id, @n)", transaction,
            ("@h", ApiKeys.Hash(key)), ("@t", tenant), ("@at", now.ToString("O")), ("@id", id), ("@n", name));
        return id;
    }
}

using System.Collections.Concurrent;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace LiveOrleans.Api.Identity;

public sealed record TenantRecord(string Id, string Name, string TimeZone);

public sealed record UserRecord(string Id, string Tenant, string Username, string Name, Role Role, string? AgentId, bool PlatformAdmin, string PasswordHash);

/// <summary>Thrown when a tenant or a username is already taken.</summary>
public sealed class AlreadyExistsException(string message) : Exception(message);

/// <summary>Tenants, people and API keys, in the embedded store's database (tables beside the runtime's).</summary>
public sealed class IdentityStore
{
    private readonly SqliteDatabase _database;
    private readonly ConcurrentDictionary<string, string?> _keyTenants = new(StringComparer.Ordinal);

    public IdentityStore(SqliteDatabase database)
    {
        _database = database;
        using var connection = database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS tenants(
                id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS users(
                id TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(id), username TEXT NOT NULL,
                name TEXT NOT NULL, role TEXT NOT NULL, agent_id TEXT, platform_admin INTEGER NOT NULL DEFAULT 0,
                password_hash TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(tenant, username));
            CREATE TABLE IF NOT EXISTS api_keys(
                key_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(id), created_at TEXT NOT NULL);
            """);
    }

    public bool HasTenants()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS(SELECT 1 FROM tenants)";
        return (long)command.ExecuteScalar()! == 1;
    }

    /// <summary>Creates a tenant with its first admin and an ingest key, in one transaction.</summary>
    public void CreateTenant(TenantRecord tenant, UserRecord admin, string ingestKey, DateTimeOffset now)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        try
        {
            Exec(connection, transaction, "INSERT INTO tenants(id, name, time_zone, created_at) VALUES ($id, $name, $tz, $at)",
                ("$id", tenant.Id), ("$name", tenant.Name), ("$tz", tenant.TimeZone), ("$at", now.ToString("O")));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new AlreadyExistsException($"Tenant '{tenant.Id}' already exists.");
        }
        InsertUser(connection, transaction, admin, now);
        InsertKey(connection, transaction, tenant.Id, ingestKey, now);
        transaction.Commit();
    }

    public void DeleteTenant(string tenantId)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        Exec(connection, transaction, "DELETE FROM api_keys WHERE tenant = $t", ("$t", tenantId));
        Exec(connection, transaction, "DELETE FROM users WHERE tenant = $t", ("$t", tenantId));
        Exec(connection, transaction, "DELETE FROM tenants WHERE id = $t", ("$t", tenantId));
        transaction.Commit();
        foreach (var pair in _keyTenants.Where(p => p.Value == tenantId)) _keyTenants.TryRemove(pair.Key, out _);
    }

    public TenantRecord? FindTenant(string id)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, time_zone FROM tenants WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new TenantRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public void UpdateTenant(string id, string? name, string? timeZone)
    {
        using var connection = _database.Open();
        Exec(connection, null, "UPDATE tenants SET name = COALESCE($name, name), time_zone = COALESCE($tz, time_zone) WHERE id = $id",
            ("$id", id), ("$name", name), ("$tz", timeZone));
    }

    public void CreateUser(UserRecord user, DateTimeOffset now)
    {
        using var connection = _database.Open();
        InsertUser(connection, null, user, now);
    }

    public UserRecord? FindUser(string tenant, string username)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, tenant, username, name, role, agent_id, platform_admin, password_hash FROM users WHERE tenant = $t AND username = $u";
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$u", username);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            EnumNames<Role>.TryParse(reader.GetString(4), out var role) ? role : Role.Viewer,
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6) == 1, reader.GetString(7));
    }

    public void AddApiKey(string tenant, string key, DateTimeOffset now)
    {
        using var connection = _database.Open();
        InsertKey(connection, null, tenant, key, now);
    }

    /// <summary>The tenant an API key belongs to, or null; answers are cached (a key is never reassigned).</summary>
    public string? TenantOfKey(string key)
    {
        var hash = ApiKeys.Hash(key);
        if (_keyTenants.TryGetValue(hash, out var cached)) return cached;
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT tenant FROM api_keys WHERE key_hash = $h";
        command.Parameters.AddWithValue("$h", hash);
        var tenant = command.ExecuteScalar() as string;
        if (tenant is not null) _keyTenants[hash] = tenant;
        return tenant;
    }

    private static void InsertUser(SqliteConnection connection, SqliteTransaction? transaction, UserRecord user, DateTimeOffset now)
    {
        try
        {
            Exec(connection, transaction, """
                INSERT INTO users(id, tenant, username, name, role, agent_id, platform_admin, password_hash, created_at)
                VALUES ($id, $t, $u, $n, $r, $a, $p, $h, $at)
                """,
                ("$id", user.Id), ("$t", user.Tenant), ("$u", user.Username), ("$n", user.Name), ("$r", EnumNames<Role>.Name(user.Role)),
                ("$a", user.AgentId), ("$p", user.PlatformAdmin ? 1 : 0), ("$h", user.PasswordHash), ("$at", now.ToString("O")));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new AlreadyExistsException($"User '{user.Username}' already exists in this tenant.");
        }
    }

    private static void InsertKey(SqliteConnection connection, SqliteTransaction? transaction, string tenant, string key, DateTimeOffset now)
        => Exec(connection, transaction, "INSERT INTO api_keys(key_hash, tenant, created_at) VALUES ($h, $t, $at)",
            ("$h", ApiKeys.Hash(key)), ("$t", tenant), ("$at", now.ToString("O")));

    private static void Exec(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }
}

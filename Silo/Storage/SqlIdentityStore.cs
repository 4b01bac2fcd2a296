using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using LiveOrleans.Validation;

namespace LiveOrleans.Storage;

/// <summary>
/// <see cref="IIdentityStore"/> on the store's database (SQLite file or PostgreSQL; the store creates the tables), in
/// the SQL both accept.
/// </summary>
public sealed class SqlIdentityStore(IStoreDatabase database) : IIdentityStore
{
    /// <summary>How often the store is told that a key is still used: <c>last_used_at</c> is to the minute, not a write per request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private const string UserColumns = "id, tenant, username, name, role, agent_id, platform_admin, password_hash";

    public async Task<bool> HasTenantsAsync()
    {
        await using var connection = await database.OpenAsync();
        return Convert.ToInt64(await connection.ScalarAsync("SELECT COUNT(*) FROM (SELECT 1 FROM tenants LIMIT 1) AS t", null), CultureInfo.InvariantCulture) == 1;
    }

    public async Task CreateTenantAsync(TenantRecord tenant, UserRecord admin, string ingestKeyHash, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.ExecuteAsync("INSERT INTO tenants(id, name, time_zone, created_at) VALUES (@id, @name, @tz, @at)", transaction,
                ("@id", tenant.Id), ("@name", tenant.Name), ("@tz", tenant.TimeZone), ("@at", now.ToString("O")));
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            throw new AlreadyExistsException($"Tenant '{tenant.Id}' already exists.");
        }
        await InsertUserAsync(connection, transaction, admin, now);
        await InsertKeyAsync(connection, transaction, tenant.Id, ingestKeyHash, now);
        await transaction.CommitAsync();
    }

    public async Task DeleteTenantAsync(string tenantId)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("DELETE FROM api_keys WHERE tenant = @t", transaction, ("@t", tenantId));
        await connection.ExecuteAsync("DELETE FROM users WHERE tenant = @t", transaction, ("@t", tenantId));
        await connection.ExecuteAsync("DELETE FROM tenants WHERE id = @t", transaction, ("@t", tenantId));
        await transaction.CommitAsync();
    }

    public async Task<TenantRecord?> FindTenantAsync(string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command("SELECT id, name, time_zone FROM tenants WHERE id = @id", null, ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new TenantRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public async Task UpdateTenantAsync(string id, string? name, string? timeZone)
    {
        await using var connection = await database.OpenAsync();
        // Each setting in its own statement: a null parameter has no type PostgreSQL could infer inside COALESCE.
        if (name is not null) await connection.ExecuteAsync("UPDATE tenants SET name = @name WHERE id = @id", null, ("@id", id), ("@name", name));
        if (timeZone is not null) await connection.ExecuteAsync("UPDATE tenants SET time_zone = @tz WHERE id = @id", null, ("@id", id), ("@tz", timeZone));
    }

    public async Task CreateUserAsync(UserRecord user, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        await InsertUserAsync(connection, null, user, now);
    }

    public async Task<UserRecord?> FindUserAsync(string tenant, string username)
    {
        await using var connection = await database.OpenAsync();
        return (await ReadUsersAsync(connection, null, $"SELECT {UserColumns} FROM users WHERE tenant = @t AND username = @u", ("@t", tenant), ("@u", username)))
            .FirstOrDefault();
    }

    public async Task<UserRecord?> FindUserByIdAsync(string id)
    {
        await using var connection = await database.OpenAsync();
        return (await ReadUsersAsync(connection, null, $"SELECT {UserColumns} FROM users WHERE id = @id", ("@id", id))).FirstOrDefault();
    }

    public async Task<IReadOnlyList<UserRecord>> UsersAsync(string tenant)
    {
        await using var connection = await database.OpenAsync();
        return await ReadUsersAsync(connection, null, $"SELECT {UserColumns} FROM users WHERE tenant = @t ORDER BY username", ("@t", tenant));
    }

    public Task<(UserChange Change, UserRecord? User)> UpdateUserAsync(string tenant, string id, string? name, Role? role, string? agentId)
        => ChangeUserAsync(tenant, id, demotes: user => user.Role == Role.Admin && role is { } r && r != Role.Admin, async (connection, transaction) =>
        {
            // Each setting in its own statement: a null parameter has no type PostgreSQL could infer inside COALESCE.
            if (name is not null) await connection.ExecuteAsync("UPDATE users SET name = @n WHERE id = @id", transaction, ("@id", id), ("@n", name));
            if (role is { } newRole) await connection.ExecuteAsync("UPDATE users SET role = @r WHERE id = @id", transaction, ("@id", id), ("@r", EnumNames<Role>.Name(newRole)));
            if (agentId is not null) await connection.ExecuteAsync("UPDATE users SET agent_id = @a WHERE id = @id", transaction, ("@id", id), ("@a", agentId));
        });

    public Task<(UserChange Change, UserRecord? User)> DeleteUserAsync(string tenant, string id)
        => ChangeUserAsync(tenant, id, demotes: user => user.Role == Role.Admin, async (connection, transaction) =>
        {
            await connection.ExecuteAsync("DELETE FROM saved_views WHERE tenant = @t AND user_id = @id", transaction, ("@t", tenant), ("@id", id));
            await connection.ExecuteAsync("DELETE FROM users WHERE id = @id", transaction, ("@id", id));
        });

    private async Task<(UserChange, UserRecord?)> ChangeUserAsync(string tenant, string id, Func<UserRecord, bool> demotes, Func<DbConnection, DbTransaction, Task> change)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // A write to the tenant's row first: changes to one tenant's people are one at a time (PostgreSQL locks the row,
        // SQLite the file), so two admins demoting each other at once cannot both pass the count below.
        await connection.ExecuteAsync("UPDATE tenants SET name = name WHERE id = @t", transaction, ("@t", tenant));
        var user = (await ReadUsersAsync(connection, transaction, $"SELECT {UserColumns} FROM users WHERE id = @id AND tenant = @t", ("@id", id), ("@t", tenant)))
            .FirstOrDefault();
        if (user is null) return (UserChange.NotFound, null);
        if (demotes(user))
        {
            if (user.PlatformAdmin) return (UserChange.PlatformAdmin, user);
            var admins = Convert.ToInt64(await connection.ScalarAsync("SELECT COUNT(*) FROM users WHERE tenant = @t AND role = @r", transaction,
                ("@t", tenant), ("@r", EnumNames<Role>.Name(Role.Admin))), CultureInfo.InvariantCulture);
            if (admins <= 1) return (UserChange.LastAdmin, user);
        }
        await change(connection, transaction);
        var after = (await ReadUsersAsync(connection, transaction, $"SELECT {UserColumns} FROM users WHERE id = @id", ("@id", id))).FirstOrDefault();
        await transaction.CommitAsync();
        return (UserChange.Done, after ?? user);
    }

    private static async Task<List<UserRecord>> ReadUsersAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var users = new List<UserRecord>();
        while (await reader.ReadAsync())
        {
            users.Add(new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                EnumNames<Role>.TryParse(reader.GetString(4), out var role) ? role : Role.Viewer,
                reader.IsDBNull(5) ? null : reader.GetString(5), Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture) == 1, reader.GetString(7)));
        }
        return users;
    }

    public async Task<string> AddApiKeyAsync(string tenant, string keyHash, string? name, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        return await InsertKeyAsync(connection, null, tenant, keyHash, now, name);
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ApiKeysOfAsync(string tenant)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command("SELECT id, name, created_at, last_used_at FROM api_keys WHERE tenant = @t ORDER BY created_at, id", null, ("@t", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync())
        {
            keys.Add(new ApiKeyRecord(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
                reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture)));
        }
        return keys;
    }

    public async Task<string?> DeleteApiKeyAsync(string tenant, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var hash = await connection.ScalarAsync("SELECT key_hash FROM api_keys WHERE id = @id AND tenant = @t", transaction, ("@id", id), ("@t", tenant)) as string;
        if (hash is not null) await connection.ExecuteAsync("DELETE FROM api_keys WHERE key_hash = @h", transaction, ("@h", hash));
        await transaction.CommitAsync();
        return hash;
    }

    public async Task<KeyOwner?> FindKeyAsync(string hash, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        KeyOwner owner;
        string? lastUsed;
        await using (var command = connection.Command("SELECT id, tenant, last_used_at FROM api_keys WHERE key_hash = @h", null, ("@h", hash)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            if (!await reader.ReadAsync()) return null;
            owner = new KeyOwner(reader.GetString(0), reader.GetString(1));
            lastUsed = reader.IsDBNull(2) ? null : reader.GetString(2);
        }
        if (lastUsed is null || !DateTimeOffset.TryParse(lastUsed, CultureInfo.InvariantCulture, out var last) || now - last >= LastUsedResolution)
        {
            try
            {
                await connection.ExecuteAsync("UPDATE api_keys SET last_used_at = @at WHERE key_hash = @h", null, ("@h", hash), ("@at", now.ToString("O")));
            }
            catch (DbException)
            {
                // Informational only: a store that cannot take the note now (busy, full) must not refuse the key.
            }
        }
        return owner;
    }

    private async Task InsertUserAsync(DbConnection connection, DbTransaction? transaction, UserRecord user, DateTimeOffset now)
    {
        try
        {
            await connection.ExecuteAsync("""
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

    private static async Task<string> InsertKeyAsync(DbConnection connection, DbTransaction? transaction, string tenant, string keyHash, DateTimeOffset now, string? name = null)
    {
        // The id's form is the Api's other ids': a prefix and URL-safe random text.
        var id = "key_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9));
        await connection.ExecuteAsync("INSERT INTO api_keys(key_hash, tenant, created_at, id, name) VALUES (@h, @t, @at, @id, @n)", transaction,
            ("@h", keyHash), ("@t", tenant), ("@at", now.ToString("O")), ("@id", id), ("@n", name));
        return id;
    }
}

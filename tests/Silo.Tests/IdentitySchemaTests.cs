using LiveOrleans.Storage.Postgres;
using LiveOrleans.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LiveOrleans.Silo.Tests;

/// <summary>
/// A store made by a version whose <c>api_keys</c> had no id, name or last use: opening it adds them, gives every key
/// an id, keeps the keys, and a second opening changes nothing (SQLite file and PostgreSQL).
/// </summary>
[Trait("Category", "store")]
public sealed class IdentitySchemaTests
{
    private const string OldTables = """
        CREATE TABLE tenants(id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE api_keys(key_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(id), created_at TEXT NOT NULL);
        INSERT INTO tenants VALUES ('acme', 'Acme', 'UTC', '2026-11-01T00:00:00.0000000+00:00');
        INSERT INTO api_keys VALUES ('HASH-ONE', 'acme', '2026-11-01T00:00:00.0000000+00:00');
        INSERT INTO api_keys VALUES ('HASH-TWO', 'acme', '2026-11-02T00:00:00.0000000+00:00');
        """;

    private const string Keys = "SELECT key_hash, tenant, id, name, last_used_at FROM api_keys ORDER BY key_hash";

    [Fact]
    public void An_embedded_store_with_the_old_api_keys_table_gets_ids_for_its_keys_and_keeps_them()
    {
        var directory = Directory.CreateTempSubdirectory("lo-schema-").FullName;
        var path = Path.Combine(directory, "live.db");
        try
        {
            using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                old.Open();
                using var create = old.CreateCommand();
                create.CommandText = OldTables;
                create.ExecuteNonQuery();
            }

            var first = ReadKeys(new SqliteDatabase(path));
            var second = ReadKeys(new SqliteDatabase(path));

            Assert.Equal(["HASH-ONE", "HASH-TWO"], first.Select(k => k.Hash));
            Assert.All(first, k => Assert.Equal("acme", k.Tenant));
            Assert.All(first, k => Assert.False(string.IsNullOrEmpty(k.Id)));
            Assert.NotEqual(first[0].Id, first[1].Id);
            Assert.All(first, k => Assert.Null(k.Name));
            Assert.Equal(first, second);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_postgresql_store_with_the_old_api_keys_table_gets_ids_for_its_keys_and_keeps_them()
    {
        var connectionString = PostgresServer.CreateDatabase("lo_schema");
        try
        {
            using (var old = new NpgsqlConnection(connectionString))
            {
                old.Open();
                using var create = new NpgsqlCommand(OldTables, old);
                create.ExecuteNonQuery();
            }

            var first = ReadKeys(new PostgresDatabase(connectionString));
            var second = ReadKeys(new PostgresDatabase(connectionString));

            Assert.Equal(["HASH-ONE", "HASH-TWO"], first.Select(k => k.Hash));
            Assert.All(first, k => Assert.False(string.IsNullOrEmpty(k.Id)));
            Assert.NotEqual(first[0].Id, first[1].Id);
            Assert.Equal(first, second);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            PostgresServer.DropDatabase(connectionString);
        }
    }

    private sealed record Key(string Hash, string Tenant, string? Id, string? Name, string? LastUsed);

    private static List<Key> ReadKeys<T>(T database) where T : IStoreDatabase, IDisposable
    {
        using var _ = database;
        using var connection = database.Open();
        using var command = connection.Command(Keys, null);
        using var reader = command.ExecuteReader();
        var keys = new List<Key>();
        while (reader.Read())
        {
            keys.Add(new Key(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return keys;
    }
}

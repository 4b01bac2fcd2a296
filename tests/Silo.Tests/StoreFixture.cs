using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;

namespace LiveOrleans.Silo.Tests;

/// <summary>A real store on a fresh SQLite file (WAL, synchronous=FULL), with its writer thread.</summary>
public sealed class StoreFixture : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"lo-store-{Guid.NewGuid():N}");

    public StoreFixture(LogOptions? options = null)
    {
        Directory.CreateDirectory(_directory);
        Database = new SqliteDatabase(Path.Combine(_directory, "live.db"));
        Writer = new SqliteWriter(Database, options ?? new LogOptions(), NullLogger<SqliteWriter>.Instance);
        Log = new SqliteEventLog(Database, Writer);
        Rows = new SqliteRowStore(Database, Writer);
        Audit = new SqliteAuditLog(Database);
        Outbox = new SqliteControlOutbox(Database, Writer);
        Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        Grains = new SqliteGrainStorage(Database, Writer, Serializer);
    }

    public SqliteDatabase Database { get; }
    public SqliteWriter Writer { get; }
    public SqliteEventLog Log { get; }
    public SqliteRowStore Rows { get; }
    public SqliteAuditLog Audit { get; }
    public SqliteControlOutbox Outbox { get; }
    public SqliteGrainStorage Grains { get; }
    public Serializer Serializer { get; }

    /// <summary>Runs SQL on the file directly, as someone with access to it could.</summary>
    public void Execute(string sql)
    {
        using var connection = Database.Open();
        SqliteDatabase.Execute(connection, sql);
    }

    public void Dispose()
    {
        Writer.Dispose();
        Database.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

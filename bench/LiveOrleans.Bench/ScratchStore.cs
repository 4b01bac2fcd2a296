using LiveOrleans.Storage;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveOrleans.Bench;

/// <summary>A fresh SQLite store in the temp folder with the engine's writer and log; its files are deleted on dispose.</summary>
public sealed class ScratchStore : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"lo-bench-{Guid.NewGuid():N}.db");

    public ScratchStore()
    {
        Database = new SqliteDatabase(_path);
        Writer = new SqliteWriter(Database, new LogOptions(), NullLogger<SqliteWriter>.Instance);
        Log = new SqliteEventLog(Database, Writer);
    }

    public SqliteDatabase Database { get; }

    public SqliteWriter Writer { get; }

    public SqliteEventLog Log { get; }

    public void Dispose()
    {
        Writer.Dispose();
        Database.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path) + "*")) File.Delete(f);
    }
}

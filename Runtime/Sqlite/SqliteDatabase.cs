using Microsoft.Data.Sqlite;

namespace LiveOrleans.Runtime.Sqlite;

/// <summary>
/// The embedded store's database file. WAL journal, <c>synchronous=FULL</c> so a commit is on disk when it
/// returns, and a busy time-out because the log writer, checkpoints and the Api's tables share the file.
/// </summary>
public sealed class SqliteDatabase
{
    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, RuntimeSchema);
    }

    public string Path { get; }

    public string ConnectionString { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private const string RuntimeSchema = """
        CREATE TABLE IF NOT EXISTS event_log(
            position  INTEGER PRIMARY KEY,
            tenant    TEXT    NOT NULL,
            kind      INTEGER NOT NULL,
            dedup_key TEXT,
            payload   BLOB    NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS event_log_dedup ON event_log(tenant, dedup_key) WHERE dedup_key IS NOT NULL;
        CREATE TABLE IF NOT EXISTS grain_state(
            grain_id  TEXT    PRIMARY KEY,
            partition INTEGER NOT NULL,
            active    INTEGER NOT NULL,
            data      BLOB    NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS grain_state_partition ON grain_state(partition, active);
        CREATE TABLE IF NOT EXISTS checkpoints(
            partition INTEGER PRIMARY KEY,
            position  INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta(
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL);
        """;

    /// <summary>Sets a value of the <c>meta</c> table unless one is there; returns the stored value.</summary>
    public string GetOrAddMeta(string key, string value)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO meta(key, value) VALUES ($key, $value) ON CONFLICT(key) DO NOTHING; SELECT value FROM meta WHERE key = $key;";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        return (string)command.ExecuteScalar()!;
    }
}

using System.Collections.Concurrent;
using System.Data.Common;
using LiveOrleans.Live;
using Microsoft.Data.Sqlite;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>
/// The embedded store's database file. WAL journal, <c>synchronous=FULL</c> so a commit is on disk when it returns,
/// and a busy time-out because the writer thread and the Api's tables share the file. Creates its tables on open,
/// idempotently. Reads borrow a pooled connection with its statements already prepared, so a read costs neither an
/// open nor a parse.
/// </summary>
/// <remarks>
/// The file is created only by the first open: every connection after it opens without create, so a file deleted
/// under a running engine is never silently recreated empty. A store carries an id (in its <c>meta</c> table, and in
/// a marker file beside it, <c>&lt;file&gt;.id</c>, written when the store is created): a missing file whose marker
/// is there is a store that existed, and opening it is refused (<see cref="StoreMissingException"/>) instead of
/// starting afresh. <see cref="HasMoved"/> tells whether the file at the path is still the one opened at start.
/// </remarks>
public sealed partial class SqliteDatabase : IStoreDatabase, IDisposable
{
    private const int MaxPooledReaders = 32;
    private const string StoreIdKey = "store_id";
    private static readonly string[] Tables = [.. TableNames().Matches(SqliteSchema.Script).Select(m => m.Groups[1].Value).Distinct()];
    private readonly ConcurrentStack<PooledReader> _readers = new();
    private readonly SqliteConnection _anchor;
    private readonly Lock _anchorLock = new();
    private int _pooled;
    private int _disposed;
    private int _moved;

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        MarkerPath = Path + ".id";
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        Existed = File.Exists(Path);
        RefuseMissing(Path);
        Directory.CreateDirectory(folder);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = Existed ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        };
        ConnectionString = builder.ToString();
        using (var connection = Open())
        {
            if (Existed && File.Exists(MarkerPath) && !HasTable(connection, "meta"))
            {
                // An empty file where a store was (truncated, or recreated by hand): the same as a missing one.
                throw new StoreMissingException(Path, MarkerPath, ReadMarker(MarkerPath));
            }
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, SqliteSchema.Script);
            Migrate(connection);
        }
        // From here on the file is never created: a connection to a deleted file fails instead.
        builder.Mode = SqliteOpenMode.ReadWrite;
        ConnectionString = builder.ToString();
        StoreId = GetOrAddMeta(StoreIdKey, Guid.NewGuid().ToString("N"));
        if (ReadMarker(MarkerPath) != StoreId) File.WriteAllText(MarkerPath, StoreId + "\n");
        _anchor = Open();
    }

    /// <summary>Adds the columns a store created by an older version lacks, then fills them.</summary>
    private static void Migrate(SqliteConnection connection)
    {
        foreach (var (table, column, definition) in SqliteSchema.AddedColumns)
        {
            using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column";
            exists.Parameters.AddWithValue("$table", table);
            exists.Parameters.AddWithValue("$column", column);
            if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
                Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
        }
        Execute(connection, SqliteSchema.Backfill);
    }

    /// <summary>The store's id: in its <c>meta</c> table and in its marker file.</summary>
    public string StoreId { get; }

    /// <summary>The marker file beside the store (<c>&lt;file&gt;.id</c>), which says a store was created here.</summary>
    public string MarkerPath { get; }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Whether the file was there before this process opened it.</summary>
    public bool Existed { get; }

    public string ConnectionString { get; }

    public string Description => $"the SQLite file {Path}";

    DbConnection IStoreDatabase.Open() => Open();

    /// <summary>Microsoft.Data.Sqlite has no asynchronous I/O (its async methods complete synchronously): the same open as <see cref="Open"/>.</summary>
    Task<DbConnection> IStoreDatabase.OpenAsync() => Task.FromResult<DbConnection>(Open());

    public bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteErrorCode: 19 };

    public bool IsUnavailable(DbException exception) => exception is SqliteException sqlite && IsDurabilityFailure(sqlite);

    /// <summary>
    /// Whether a failure is the store's, not the statement's: SQLite could not write or read the file (an I/O error,
    /// the disk full, the file gone or not openable, read-only, moved, not a database).
    /// </summary>
    public static bool IsDurabilityFailure(SqliteException exception) => exception.SqliteErrorCode is 8 or 10 or 13 or 14 or 26;

    /// <summary>
    /// Whether the file at <see cref="Path"/> is no longer the one opened at start (deleted, renamed, or replaced by
    /// another file): SQLite's own check, which compares the path's inode with the open file's. Once true, stays true:
    /// this process's grains hold state the file at the path does not have.
    /// </summary>
    public bool HasMoved()
    {
        if (Volatile.Read(ref _moved) == 1) return true;
        int moved;
        lock (_anchorLock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            moved = 0;
            var rc = NativeSqlite.FileControl(_anchor.Handle!.DangerousGetHandle(), NativeSqlite.Main, NativeSqlite.HasMoved, ref moved);
            if (rc != 0) moved = File.Exists(Path) ? 0 : 1; // no such file control in this VFS: at least notice a deleted file
        }
        if (moved == 0) return false;
        if (Interlocked.Exchange(ref _moved, 1) == 0)
        {
            // Pooled readers read the file that is gone: drop them, so a read opens the path (and fails) instead.
            while (_readers.TryPop(out var reader)) reader.Dispose();
        }
        return true;
    }

    /// <summary>Checks that this store still serves: the file is the one opened at start, opens, holds every table and its own id.</summary>
    /// <exception cref="InvalidOperationException">It does not, and why.</exception>
    public void Verify()
    {
        if (HasMoved())
        {
            throw new InvalidOperationException(
                "the store's file was deleted or replaced while the engine ran: writes are refused; restore the file and restart the engine");
        }
        using var connection = Open();
        var missing = Tables.Where(t => !HasTable(connection, t)).ToArray();
        if (missing.Length > 0) throw new InvalidOperationException($"the store lacks its tables ({string.Join(", ", missing)})");
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", StoreIdKey);
        if (command.ExecuteScalar() as string != StoreId) throw new InvalidOperationException("the store's file holds another store than the one opened at start");
    }

    private static bool HasTable(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Throws <see cref="StoreMissingException"/> when the store at <paramref name="path"/> is missing but its marker file says one was created there.</summary>
    public static void RefuseMissing(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var marker = path + ".id";
        if (!File.Exists(path) && File.Exists(marker)) throw new StoreMissingException(path, marker, ReadMarker(marker));
    }

    private static string? ReadMarker(string marker) => File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"CREATE TABLE IF NOT EXISTS (\w+)")]
    private static partial System.Text.RegularExpressions.Regex TableNames();

    /// <summary>A new connection with the store's settings; the caller disposes it.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        return connection;
    }

    /// <summary>Runs a read on a pooled connection.</summary>
    public T Read<T>(Func<SqliteConnection, T> read) => Read(reader => read(reader.Connection));

    /// <summary>Runs a read on a pooled connection whose commands (<see cref="PooledReader.Command"/>) stay prepared.</summary>
    public T Read<T>(Func<PooledReader, T> read)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (Volatile.Read(ref _moved) == 1) throw new StoreUnavailableException($"The store's file ({Path}) was deleted or replaced while the engine ran.");
        if (_readers.TryPop(out var reader)) Interlocked.Decrement(ref _pooled);
        else reader = new PooledReader(Open());
        try
        {
            return read(reader);
        }
        finally
        {
            if (Volatile.Read(ref _disposed) == 0 && Volatile.Read(ref _moved) == 0 && Interlocked.Increment(ref _pooled) <= MaxPooledReaders) _readers.Push(reader);
            else
            {
                Interlocked.Decrement(ref _pooled);
                reader.Dispose();
            }
        }
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

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

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        while (_readers.TryPop(out var reader)) reader.Dispose();
        lock (_anchorLock) _anchor.Dispose();
    }
}

/// <summary>A pooled read connection and its prepared commands, by SQL text.</summary>
public sealed class PooledReader(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    /// <summary>The command for <paramref name="sql"/>, prepared once per connection, with its parameters set to <paramref name="values"/> in order of appearance.</summary>
    public SqliteCommand Command(string sql, params (string Name, object? Value)[] values)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in values) command.Parameters.Add(new SqliteParameter { ParameterName = name });
            _commands[sql] = command;
        }
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i].Value ?? DBNull.Value;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        Connection.Dispose();
    }
}

/// <summary>
/// The store's file is missing (or empty) but its marker file says a store was created there: the engine refuses to
/// start rather than bootstrap a new, empty store over one that existed.
/// </summary>
public sealed class StoreMissingException(string path, string marker, string? storeId) : InvalidOperationException(
    $"The store {path} is missing but {marker} says store {storeId} was created there: refusing to start a new, empty store over it. "
    + $"Restore the file (with its -wal file, if you have it) from a backup, or delete {marker} to start afresh on purpose.")
{
    public string StorePath { get; } = path;
}

/// <summary>SQLite's file controls, which Microsoft.Data.Sqlite does not expose, on the library it loads.</summary>
internal static class NativeSqlite
{
    /// <summary><c>SQLITE_FCNTL_HAS_MOVED</c>: whether the open file is no longer the file at its path.</summary>
    public const int HasMoved = 20;

    /// <summary>The name of a connection's main database, zero-terminated UTF-8.</summary>
    public static readonly byte[] Main = "main\0"u8.ToArray();

    /// <summary><c>sqlite3_file_control</c>: a file control on the database <paramref name="name"/> (zero-terminated UTF-8) of the connection <paramref name="db"/>.</summary>
    [System.Runtime.InteropServices.DllImport("e_sqlite3", EntryPoint = "sqlite3_file_control")]
    public static extern int FileControl(IntPtr db, byte[] name, int op, ref int value);
}

using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>
/// The embedded store's database file. WAL journal, <c>synchronous=FULL</c> so a commit is on disk when it returns,
/// and a busy time-out because the writer thread and the Api's tables share the file. Creates its tables on open,
/// idempotently. Reads borrow a pooled connection with its statements already prepared, so a read costs neither an
/// open nor a parse.
/// </summary>
public sealed class SqliteDatabase : IStoreDatabase, IDisposable
{
    private const int MaxPooledReaders = 32;
    private readonly ConcurrentStack<PooledReader> _readers = new();
    private int _pooled;
    private int _disposed;

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        Existed = File.Exists(Path);
        Directory.CreateDirectory(folder);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, SqliteSchema.Script);
        Migrate(connection);
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

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Whether the file was there before this process opened it.</summary>
    public bool Existed { get; }

    public string ConnectionString { get; }

    public string Description => $"the SQLite file {Path}";

    DbConnection IStoreDatabase.Open() => Open();

    public bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteErrorCode: 19 };

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
        if (_readers.TryPop(out var reader)) Interlocked.Decrement(ref _pooled);
        else reader = new PooledReader(Open());
        try
        {
            return read(reader);
        }
        finally
        {
            if (Volatile.Read(ref _disposed) == 0 && Interlocked.Increment(ref _pooled) <= MaxPooledReaders) _readers.Push(reader);
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

using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LiveOrleans.Storage.Postgres;

/// <summary>
/// The cluster-mode store: a PostgreSQL database every silo and Api node shares. On open it creates what is missing
/// — LiveOrleans' tables and Orleans' (membership, grain snapshots, reminders, the providers' queries) — from the
/// scripts in <c>Schema/</c>, in one transaction under an advisory lock, so processes starting at once create
/// everything once and none sees half of it.
/// </summary>
public sealed partial class PostgresDatabase : IStoreDatabase, IDisposable
{
    /// <summary>The advisory lock that serialises schema creation (any constant: it only has to be the same everywhere).</summary>
    private const long SchemaLock = 0x4C6976654F726C; // "LiveOrl"

    public PostgresDatabase(string connectionString, ILogger? logger = null, TimeSpan? waitForServer = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Storage:Provider is PostgreSql but ConnectionStrings:PostgreSql is empty: set it (e.g. Host=db;Port=5432;Username=liveorleans;Password=…;Database=liveorleans).");
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:PostgreSql is not a valid PostgreSQL connection string: {ex.Message}", ex);
        }
        // Prepared statements for the hot queries (the log's appends and reads) without naming each one.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        builder.ApplicationName ??= "LiveOrleans";
        ConnectionString = builder.ConnectionString;
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        EnsureSchema(logger, waitForServer ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>The connection string as the engine uses it (Orleans' providers get the same).</summary>
    public string ConnectionString { get; }

    public string Description { get; }

    public NpgsqlDataSource DataSource { get; }

    public DbConnection Open() => DataSource.OpenConnection();

    public bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public string GetOrAddMeta(string key, string value)
    {
        using var connection = DataSource.OpenConnection();
        connection.Execute("INSERT INTO meta(key, value) VALUES (@k, @v) ON CONFLICT (key) DO NOTHING", null, ("@k", key), ("@v", value));
        return (string)connection.Scalar("SELECT value FROM meta WHERE key = @k", null, ("@k", key))!;
    }

    /// <summary>The schema scripts, in the order they run.</summary>
    public static IReadOnlyList<(string Name, string Sql)> SchemaScripts()
    {
        var assembly = typeof(PostgresDatabase).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("LiveOrleans.Schema.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (n["LiveOrleans.Schema.".Length..], reader.ReadToEnd());
            })];
    }

    private void EnsureSchema(ILogger? logger, TimeSpan waitForServer)
    {
        var deadline = DateTime.UtcNow + waitForServer;
        while (true)
        {
            try
            {
                using var connection = DataSource.OpenConnection();
                using var transaction = connection.BeginTransaction();
                connection.Execute("SELECT pg_advisory_xact_lock(@lock)", transaction, ("@lock", SchemaLock));
                foreach (var (_, sql) in SchemaScripts())
                {
                    using var command = new NpgsqlCommand(sql, connection, transaction);
                    command.ExecuteNonQuery();
                }
                transaction.Commit();
                return;
            }
            catch (NpgsqlException ex) when (ex is not PostgresException && DateTime.UtcNow < deadline)
            {
                // The server is not up yet (containers start together): wait for it, within bounds.
                if (logger is not null) Log.Waiting(logger, Description, ex.Message);
                Thread.Sleep(1000);
            }
            catch (NpgsqlException ex) when (ex is not PostgresException)
            {
                throw new InvalidOperationException($"{Description} does not answer ({ex.Message}). Check ConnectionStrings:PostgreSql and that the server runs.", ex);
            }
        }
    }

    public void Dispose() => DataSource.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Store} does not answer yet ({Problem}); trying again.")]
        public static partial void Waiting(ILogger logger, string store, string problem);
    }
}

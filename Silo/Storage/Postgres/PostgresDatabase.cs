using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

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
        var builder = Parse(connectionString);
        // Prepared statements for the hot queries (the log's appends and reads) without naming each one.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        builder.ApplicationName ??= "LiveOrleans";
        if (!SetsPoolSize(connectionString)) builder.MaxPoolSize = EnginePoolSize;
        ConnectionString = builder.ConnectionString;
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        EnsureSchema(logger, waitForServer ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Connections each process opens at most for the engine's own statements, unless the connection string says
    /// otherwise (<c>Maximum Pool Size</c>). Npgsql's default, 100 per pool, lets one process recovering thousands of
    /// grains at once take every connection the server allows (PostgreSQL's default <c>max_connections</c> is 100) and
    /// the other processes then fail with "too many clients"; beyond the cap a statement waits for a free connection.
    /// </summary>
    public const int EnginePoolSize = 10;

    /// <summary>Connections each process opens at most for Orleans' providers (membership, grain snapshots, reminders), unless the connection string says otherwise.</summary>
    public const int OrleansPoolSize = 8;

    /// <summary>
    /// The connection string Orleans' ADO.NET providers get: the configured one, with its own pool capped
    /// (<see cref="OrleansPoolSize"/>) unless it sets <c>Maximum Pool Size</c>, and named in the server's activity view.
    /// </summary>
    public static string ForOrleans(string connectionString)
    {
        var builder = Parse(connectionString);
        builder.ApplicationName ??= "LiveOrleans (Orleans)";
        if (!SetsPoolSize(connectionString)) builder.MaxPoolSize = OrleansPoolSize;
        return builder.ConnectionString;
    }

    /// <summary>Whether the configured connection string names a pool size (Npgsql's builder reports every key as present).</summary>
    private static bool SetsPoolSize(string connectionString)
        => new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "maximumpoolsize" or "maxpoolsize");

    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:PostgreSql is not a valid PostgreSQL connection string: {ex.Message}", ex);
        }
    }

    /// <summary>The connection string as the engine uses it (Orleans' providers get it with a pool of their own, <see cref="ForOrleans"/>).</summary>
    public string ConnectionString { get; }

    public string Description { get; }

    public NpgsqlDataSource DataSource { get; }

    public DbConnection Open() => DataSource.OpenConnection();

    public async Task<DbConnection> OpenAsync() => await DataSource.OpenConnectionAsync();

    public bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public bool IsUnavailable(DbException exception) => exception is NpgsqlException { IsTransient: true };

    /// <summary>The database answers and holds the engine's tables (a database recreated empty under a running cluster does not).</summary>
    public void Verify()
    {
        using var connection = Open();
        connection.Scalar("SELECT 1 FROM meta LIMIT 1", null);
    }

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
        // The server is not up yet (containers start together): try again every second, within bounds. A refusal from
        // the server itself (a PostgresException: bad password, no such database) is not waited out.
        var untilTheServerAnswers = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is NpgsqlException and not PostgresException && DateTime.UtcNow < deadline),
                OnRetry = args =>
                {
                    if (logger is not null) Log.Waiting(logger, Description, args.Outcome.Exception!.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            untilTheServerAnswers.Execute(() =>
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
            });
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new InvalidOperationException($"{Description} does not answer ({ex.Message}). Check ConnectionStrings:PostgreSql and that the server runs.", ex);
        }
    }

    public void Dispose() => DataSource.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Store} does not answer yet ({Problem}); trying again.")]
        public static partial void Waiting(ILogger logger, string store, string problem);
    }
}

using LiveOrleans.Testing;
using Npgsql;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>
/// Which mode the black-box suites run the engine in: embedded (SQLite, the default) or, with the environment
/// variable <c>LIVEORLEANS_TEST_CLUSTER=1</c> (the test command's second pass), cluster mode on PostgreSQL — the
/// in-process Api as the silo of a cluster of its own (its clock is the test's), and each engine process a cluster of
/// two: a Silo process and the Api joined to it.
/// </summary>
public static class TestStore
{
    public static bool Cluster { get; } = Environment.GetEnvironmentVariable("LIVEORLEANS_TEST_CLUSTER") == "1";

    /// <summary>The database of an engine kept in <paramref name="dataDirectory"/> (the same folder gives the same database, so a restart finds its data); created when missing.</summary>
    public static string DatabaseFor(string dataDirectory)
    {
        var marker = Path.Combine(dataDirectory, "postgres.txt");
        if (File.Exists(marker)) return File.ReadAllText(marker);
        var connectionString = PostgresServer.CreateDatabase("lo_engine");
        File.WriteAllText(marker, connectionString);
        return connectionString;
    }

    /// <summary>Drops the database of an engine folder, if it has one.</summary>
    public static void DropFor(string dataDirectory)
    {
        var marker = Path.Combine(dataDirectory, "postgres.txt");
        if (File.Exists(marker)) PostgresServer.DropDatabase(File.ReadAllText(marker));
    }

    /// <summary>How the engine describes its store in its messages.</summary>
    public static string Description(string dataDirectory)
    {
        if (!Cluster) return Path.Combine(dataDirectory, "live.db");
        var builder = new NpgsqlConnectionStringBuilder(DatabaseFor(dataDirectory));
        return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>Settings (environment variables) putting an engine process on its folder's database.</summary>
    public static Dictionary<string, string> ClusterSettings(string dataDirectory) => new()
    {
        ["Storage__Provider"] = "PostgreSql",
        ["ConnectionStrings__PostgreSql"] = DatabaseFor(dataDirectory),
        ["Orleans__ClusterId"] = "engine-" + Path.GetFileName(dataDirectory.TrimEnd(Path.DirectorySeparatorChar)),
        ["Orleans__AdvertisedIP"] = "127.0.0.1",
    };
}

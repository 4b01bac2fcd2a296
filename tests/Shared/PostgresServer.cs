using System.Diagnostics;
using Npgsql;

namespace LiveOrleans.Testing;

/// <summary>
/// The real PostgreSQL server tests of cluster mode use: the one the test command started (environment variable
/// <c>LIVEORLEANS_POSTGRES</c>, a connection string to its <c>postgres</c> database), or else one this test process
/// starts itself with <c>scripts/postgres.sh</c> in a temporary folder (and stops when it exits). Each test gets a
/// database of its own.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<string> Admin = new(FindOrStart, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new, empty database; answers its connection string.</summary>
    public static string CreateDatabase(string prefix = "lo")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)].ToLowerInvariant();
        using (var connection = new NpgsqlConnection(Admin.Value))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(Admin.Value) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing whatever is still connected to it.</summary>
    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(Admin.Value);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    private static string FindOrStart()
    {
        var given = Environment.GetEnvironmentVariable("LIVEORLEANS_POSTGRES");
        if (!string.IsNullOrWhiteSpace(given)) return given;
        var root = RepositoryRoot();
        var folder = Path.Combine(Path.GetTempPath(), $"lo-pg-{Guid.NewGuid():N}");
        var output = Run(Path.Combine(root, "scripts", "postgres.sh"), "start", folder);
        var connectionString = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Run(Path.Combine(root, "scripts", "postgres.sh"), "stop", folder);
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception)
            {
                // Best effort at exit: the folder is in the temporary directory.
            }
        };
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString;
    }

    private static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }

    /// <summary>The repository's root: the folder holding LiveOrleans.sln, above the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveOrleans.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("LiveOrleans.sln not found above " + AppContext.BaseDirectory);
    }
}

using System.Data.Common;

namespace LiveOrleans.Storage;

/// <summary>
/// The relational database behind the Api's own tables (tenants, people, API keys, saved views, settings): the SQLite
/// file in embedded mode, PostgreSQL in cluster mode. Statements on it are written once, in the SQL both accept, with
/// <c>@name</c> parameters (see <see cref="StoreCommands"/>).
/// </summary>
public interface IStoreDatabase
{
    /// <summary>Where the store is, for messages: the file's path, or PostgreSQL's host, port and database.</summary>
    string Description { get; }

    /// <summary>An open connection; the caller disposes it.</summary>
    DbConnection Open();

    /// <summary>An open connection, opened without holding the thread where the engine can (PostgreSQL); the caller disposes it.</summary>
    Task<DbConnection> OpenAsync();

    /// <summary>Whether a failed statement broke a unique constraint (a name or id already taken).</summary>
    bool IsUniqueViolation(DbException exception);

    /// <summary>
    /// Whether a failed statement failed for the store's sake, not its own: the store could not make it durable just
    /// now (disk full, an I/O error, the file gone, PostgreSQL refusing for a moment). Answered 503, not 500.
    /// </summary>
    bool IsUnavailable(DbException exception);

    /// <summary>Checks that the store serves this engine (the readiness check); throws with the reason when it does not.</summary>
    void Verify();

    /// <summary>Sets a value of the <c>meta</c> table unless one is there; returns the stored value (the first writer's, when several race).</summary>
    string GetOrAddMeta(string key, string value);
}

/// <summary>Commands with <c>@name</c> parameters on any <see cref="DbConnection"/>.</summary>
public static class StoreCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    public static int Execute(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Command(sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public static object? Scalar(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.Command(sql, transaction, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }
}

using System.Text.Json;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace LiveOrleans.Api.Views;

/// <summary>A person's saved filter: server-side, so it follows them from the wall screen to their laptop.</summary>
public sealed record SavedView(string Id, string Name, LiveFilter Filter);

/// <summary>Why a saved view could not be written.</summary>
public enum ViewWriteResult { Written, NotFound, NameTaken, TooMany }

/// <summary>Saved views, one table in the embedded store's database; every query is scoped to (tenant, user).</summary>
public sealed class SavedViewStore
{
    /// <summary>Views one person may keep.</summary>
    public const int MaxViewsPerUser = 100;

    private readonly SqliteDatabase _database;

    public SavedViewStore(SqliteDatabase database)
    {
        _database = database;
        using var connection = database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS saved_views(
                id TEXT PRIMARY KEY, tenant TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL,
                filter TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                UNIQUE(tenant, user_id, name));
            """);
    }

    public IReadOnlyList<SavedView> List(string tenant, string userId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null,
            "SELECT id, name, filter FROM saved_views WHERE tenant = $t AND user_id = $u ORDER BY name COLLATE NOCASE, id", ("$t", tenant), ("$u", userId));
        using var reader = command.ExecuteReader();
        var views = new List<SavedView>();
        while (reader.Read()) views.Add(Read(reader));
        return views;
    }

    public SavedView? Find(string tenant, string userId, string id)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null,
            "SELECT id, name, filter FROM saved_views WHERE tenant = $t AND user_id = $u AND id = $id", ("$t", tenant), ("$u", userId), ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Adds a view, unless the person already has one of that name or as many as they may keep.</summary>
    public ViewWriteResult Create(string tenant, string userId, SavedView view, DateTimeOffset now)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var count = Command(connection, transaction, "SELECT COUNT(*) FROM saved_views WHERE tenant = $t AND user_id = $u", ("$t", tenant), ("$u", userId)))
        {
            if ((long)count.ExecuteScalar()! >= MaxViewsPerUser) return ViewWriteResult.TooMany;
        }
        using var insert = Command(connection, transaction,
            "INSERT INTO saved_views(id, tenant, user_id, name, filter, created_at, updated_at) VALUES ($id, $t, $u, $n, $f, $at, $at)",
            ("$id", view.Id), ("$t", tenant), ("$u", userId), ("$n", view.Name), ("$f", Json(view.Filter)), ("$at", now.ToString("O")));
        if (!TryWrite(insert)) return ViewWriteResult.NameTaken;
        transaction.Commit();
        return ViewWriteResult.Written;
    }

    /// <summary>Renames a view or replaces its filter; only its owner's.</summary>
    public ViewWriteResult Update(string tenant, string userId, SavedView view, DateTimeOffset now)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null,
            "UPDATE saved_views SET name = $n, filter = $f, updated_at = $at WHERE tenant = $t AND user_id = $u AND id = $id",
            ("$id", view.Id), ("$t", tenant), ("$u", userId), ("$n", view.Name), ("$f", Json(view.Filter)), ("$at", now.ToString("O")));
        if (!TryWrite(command, out var changed)) return ViewWriteResult.NameTaken;
        return changed == 1 ? ViewWriteResult.Written : ViewWriteResult.NotFound;
    }

    public bool Delete(string tenant, string userId, string id)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null,
            "DELETE FROM saved_views WHERE tenant = $t AND user_id = $u AND id = $id", ("$t", tenant), ("$u", userId), ("$id", id));
        return command.ExecuteNonQuery() == 1;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    /// <summary>Runs a write; false when a unique constraint (the person's view names) refused it.</summary>
    private static bool TryWrite(SqliteCommand command) => TryWrite(command, out _);

    private static bool TryWrite(SqliteCommand command, out int changed)
    {
        try
        {
            changed = command.ExecuteNonQuery();
            return true;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            changed = 0;
            return false;
        }
    }

    private static SavedView Read(SqliteDataReader reader) => new(reader.GetString(0), reader.GetString(1), Filter(reader.GetString(2)));

    private static string Json(LiveFilter filter) => JsonSerializer.Serialize(filter, LiveJson.Options);

    private static LiveFilter Filter(string json) => JsonSerializer.Deserialize<LiveFilter>(json, LiveJson.Options) ?? LiveFilter.All;
}

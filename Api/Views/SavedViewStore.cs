using System.Data.Common;
using System.Text.Json;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Views;

/// <summary>A person's saved filter: server-side, so it follows them from the wall screen to their laptop.</summary>
public sealed record SavedView(string Id, string Name, LiveFilter Filter);

/// <summary>Why a saved view could not be written.</summary>
public enum ViewWriteResult { Written, NotFound, NameTaken, TooMany }

/// <summary>Saved views, one table in the store's database (SQLite file or PostgreSQL); every query is scoped to (tenant, user).</summary>
public sealed class SavedViewStore(IStoreDatabase database)
{
    /// <summary>Views one person may keep.</summary>
    public const int MaxViewsPerUser = 100;

    public IReadOnlyList<SavedView> List(string tenant, string userId)
    {
        using var connection = database.Open();
        using var command = connection.Command(
            "SELECT id, name, filter FROM saved_views WHERE tenant = @t AND user_id = @u ORDER BY lower(name), id", null, ("@t", tenant), ("@u", userId));
        using var reader = command.ExecuteReader();
        var views = new List<SavedView>();
        while (reader.Read()) views.Add(Read(reader));
        return views;
    }

    public SavedView? Find(string tenant, string userId, string id)
    {
        using var connection = database.Open();
        using var command = connection.Command(
            "SELECT id, name, filter FROM saved_views WHERE tenant = @t AND user_id = @u AND id = @id", null, ("@t", tenant), ("@u", userId), ("@id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Adds a view, unless the person already has one of that name or as many as they may keep.</summary>
    public ViewWriteResult Create(string tenant, string userId, SavedView view, DateTimeOffset now)
    {
        using var connection = database.Open();
        // SQLite takes its write lock here, so the count is exact; on PostgreSQL two creations racing at the limit may both pass.
        using var transaction = connection.BeginTransaction();
        if (Convert.ToInt64(connection.Scalar("SELECT COUNT(*) FROM saved_views WHERE tenant = @t AND user_id = @u", transaction, ("@t", tenant), ("@u", userId)), System.Globalization.CultureInfo.InvariantCulture)
            >= MaxViewsPerUser)
        {
            return ViewWriteResult.TooMany;
        }
        if (!TryWrite(() => connection.Execute(
            "INSERT INTO saved_views(id, tenant, user_id, name, filter, created_at, updated_at) VALUES (@id, @t, @u, @n, @f, @at, @at)", transaction,
            ("@id", view.Id), ("@t", tenant), ("@u", userId), ("@n", view.Name), ("@f", Json(view.Filter)), ("@at", now.ToString("O"))), out _))
        {
            return ViewWriteResult.NameTaken;
        }
        transaction.Commit();
        return ViewWriteResult.Written;
    }

    /// <summary>Renames a view or replaces its filter; only its owner's.</summary>
    public ViewWriteResult Update(string tenant, string userId, SavedView view, DateTimeOffset now)
    {
        using var connection = database.Open();
        if (!TryWrite(() => connection.Execute(
            "UPDATE saved_views SET name = @n, filter = @f, updated_at = @at WHERE tenant = @t AND user_id = @u AND id = @id", null,
            ("@id", view.Id), ("@t", tenant), ("@u", userId), ("@n", view.Name), ("@f", Json(view.Filter)), ("@at", now.ToString("O"))), out var changed))
        {
            return ViewWriteResult.NameTaken;
        }
        return changed == 1 ? ViewWriteResult.Written : ViewWriteResult.NotFound;
    }

    public bool Delete(string tenant, string userId, string id)
    {
        using var connection = database.Open();
        return connection.Execute("DELETE FROM saved_views WHERE tenant = @t AND user_id = @u AND id = @id", null, ("@t", tenant), ("@u", userId), ("@id", id)) == 1;
    }

    /// <summary>Runs a write; false when a unique constraint (the person's view names) refused it.</summary>
    private bool TryWrite(Func<int> write, out int changed)
    {
        try
        {
            changed = write();
            return true;
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            changed = 0;
            return false;
        }
    }

    private static SavedView Read(DbDataReader reader) => new(reader.GetString(0), reader.GetString(1), Filter(reader.GetString(2)));

    private static string Json(LiveFilter filter) => JsonSerializer.Serialize(filter, LiveJson.Options);

    private static LiveFilter Filter(string json) => JsonSerializer.Deserialize<LiveFilter>(json, LiveJson.Options) ?? LiveFilter.All;
}

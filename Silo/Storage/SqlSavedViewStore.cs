using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using LiveOrleans.Queries;

namespace LiveOrleans.Storage;

/// <summary><see cref="ISavedViewStore"/> on one table of the store's database (SQLite file or PostgreSQL).</summary>
public sealed class SqlSavedViewStore(IStoreDatabase database) : ISavedViewStore
{
    public async Task<IReadOnlyList<SavedView>> ListAsync(string tenant, string userId)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command(
            "SELECT id, name, filter FROM saved_views WHERE tenant = @t AND user_id = @u ORDER BY lower(name), id", null, ("@t", tenant), ("@u", userId));
        await using var reader = await command.ExecuteReaderAsync();
        var views = new List<SavedView>();
        while (await reader.ReadAsync()) views.Add(Read(reader));
        return views;
    }

    public async Task<SavedView?> FindAsync(string tenant, string userId, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command(
            "SELECT id, name, filter FROM saved_views WHERE tenant = @t AND user_id = @u AND id = @id", null, ("@t", tenant), ("@u", userId), ("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    public async Task<ViewWriteResult> CreateAsync(string tenant, string userId, SavedView view, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        // SQLite takes its write lock here, so the count is exact; on PostgreSQL two creations racing at the limit may both pass.
        await using var transaction = await connection.BeginTransactionAsync();
        if (Convert.ToInt64(await connection.ScalarAsync("SELECT COUNT(*) FROM saved_views WHERE tenant = @t AND user_id = @u", transaction, ("@t", tenant), ("@u", userId)), CultureInfo.InvariantCulture)
            >= ISavedViewStore.MaxViewsPerUser)
        {
            return ViewWriteResult.TooMany;
        }
        if (await TryWriteAsync(() => connection.ExecuteAsync(
            "INSERT INTO saved_views(id, tenant, user_id, name, filter, created_at, updated_at) VALUES (@id, @t, @u, @n, @f, @at, @at)", transaction,
            ("@id", view.Id), ("@t", tenant), ("@u", userId), ("@n", view.Name), ("@f", Json(view.Filter)), ("@at", now.ToString("O")))) is null)
        {
            return ViewWriteResult.NameTaken;
        }
        await transaction.CommitAsync();
        return ViewWriteResult.Written;
    }

    public async Task<ViewWriteResult> UpdateAsync(string tenant, string userId, SavedView view, DateTimeOffset now)
    {
        await using var connection = await database.OpenAsync();
        var changed = await TryWriteAsync(() => connection.ExecuteAsync(
            "UPDATE saved_views SET name = @n, filter = @f, updated_at = @at WHERE tenant = @t AND user_id = @u AND id = @id", null,
            ("@id", view.Id), ("@t", tenant), ("@u", userId), ("@n", view.Name), ("@f", Json(view.Filter)), ("@at", now.ToString("O"))));
        return changed switch
        {
            null => ViewWriteResult.NameTaken,
            1 => ViewWriteResult.Written,
            _ => ViewWriteResult.NotFound,
        };
    }

    public async Task<bool> DeleteAsync(string tenant, string userId, string id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync("DELETE FROM saved_views WHERE tenant = @t AND user_id = @u AND id = @id", null, ("@t", tenant), ("@u", userId), ("@id", id)) == 1;
    }

    /// <summary>Runs a write; answers the rows it changed, or null when a unique constraint (the person's view names) refused it.</summary>
    private async Task<int?> TryWriteAsync(Func<Task<int>> write)
    {
        try
        {
            return await write();
        }
        catch (DbException ex) when (database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    private static SavedView Read(DbDataReader reader) => new(reader.GetString(0), reader.GetString(1), Filter(reader.GetString(2)));

    private static string Json(LiveFilter filter) => JsonSerializer.Serialize(filter, LiveJson.Options);

    private static LiveFilter Filter(string json) => JsonSerializer.Deserialize<LiveFilter>(json, LiveJson.Options) ?? LiveFilter.All;
}

using LiveOrleans.Grains.Storage;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>Derived grains' keyed rows in the embedded store; writes share the writer thread's transactions.</summary>
public sealed class SqliteRowStore(SqliteDatabase database, SqliteWriter writer) : IRowStore
{
    public Task SaveAsync(string grainKey, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes)
    {
        if (upserts.Count == 0 && deletes.Count == 0) return Task.CompletedTask;
        var write = new SaveRows(grainKey, upserts, deletes);
        writer.Enqueue(write);
        return write.Task;
    }

    public Task<IReadOnlyList<StoredRow>> LoadAsync(string grainKey)
        => Task.FromResult(database.Read<IReadOnlyList<StoredRow>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT row_key, data FROM derived_rows WHERE grain_key = $g";
            command.Parameters.AddWithValue("$g", grainKey);
            using var reader = command.ExecuteReader();
            var rows = new List<StoredRow>();
            while (reader.Read()) rows.Add(new StoredRow(reader.GetString(0), (byte[])reader.GetValue(1)));
            return rows;
        }));

    private sealed class SaveRows(string grainKey, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes) : SqliteWrite<bool>
    {
        public override void Execute(SqliteWriteBatch batch)
        {
            foreach (var row in upserts) batch.UpsertRow(grainKey, row.Key, row.Data);
            foreach (var key in deletes) batch.DeleteRow(grainKey, key);
            SetResult(true);
        }
    }
}

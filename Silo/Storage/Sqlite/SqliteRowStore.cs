using LiveOrleans.Grains.Storage;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>Derived grains' keyed rows in the embedded store; writes share the writer thread's transactions.</summary>
public sealed class SqliteRowStore(SqliteDatabase database, SqliteWriter writer) : IRowStore
{
    public Task<long> ClaimAsync(string grainKey)
    {
        var write = new Claim(grainKey);
        writer.Enqueue(write);
        return write.Task;
    }

    public Task SaveAsync(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes)
    {
        if (upserts.Count == 0 && deletes.Count == 0) return Task.CompletedTask;
        var write = new SaveRows(grainKey, claim, upserts, deletes);
        writer.Enqueue(write);
        return write.Task;
    }

    // On a pool thread: the read is synchronous (Microsoft.Data.Sqlite), and onChunk may block.
    public Task LoadAsync(string grainKey, int chunkRows, Action<StoredRow[]> onChunk)
        => Task.Run(() => database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT row_key, data FROM derived_rows WHERE grain_key = $g";
            command.Parameters.AddWithValue("$g", grainKey);
            using var reader = command.ExecuteReader();
            var chunk = new RowChunks(chunkRows, onChunk);
            while (reader.Read()) chunk.Add(new StoredRow(reader.GetString(0), (byte[])reader.GetValue(1)));
            chunk.Complete();
            return true;
        }));

    private sealed class Claim(string grainKey) : SqliteWrite<long>
    {
        public override void Execute(SqliteWriteBatch batch) => SetResult(batch.ClaimRows(grainKey));
    }

    private sealed class SaveRows(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes) : SqliteWrite<bool>
    {
        public override void Execute(SqliteWriteBatch batch)
        {
            if (batch.RowsClaim(grainKey) != claim)
            {
                throw new Orleans.Storage.InconsistentStateException(
                    $"The rows of {grainKey} were claimed by a newer activation (claim {claim} is stale): nothing was written.");
            }
            foreach (var row in upserts) batch.UpsertRow(grainKey, row.Key, row.Data);
            foreach (var key in deletes) batch.DeleteRow(grainKey, key);
            SetResult(true);
        }
    }
}

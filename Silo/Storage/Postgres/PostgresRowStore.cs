using LiveOrleans.Grains.Storage;
using Npgsql;
using NpgsqlTypes;

namespace LiveOrleans.Storage.Postgres;

/// <summary>Derived grains' keyed rows on PostgreSQL; writes share the committer's transactions, each checked against its activation's claim.</summary>
public sealed class PostgresRowStore(PostgresDatabase database, PostgresWriter writer) : IRowStore
{
    public async Task<long> ClaimAsync(string grainKey)
    {
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO derived_owner(grain_key, epoch) VALUES ($1, 1)
            ON CONFLICT (grain_key) DO UPDATE SET epoch = derived_owner.epoch + 1 RETURNING epoch
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = grainKey });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public Task SaveAsync(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes)
    {
        if (upserts.Count == 0 && deletes.Count == 0) return Task.CompletedTask;
        var write = new SaveRows(grainKey, claim, upserts, deletes);
        writer.Enqueue(write);
        return write.Task;
    }

    public Task LoadAsync(string grainKey, int chunkRows, Action<StoredRow[]> onChunk) => Task.Run(async () =>
    {
        await using var command = database.DataSource.CreateCommand("SELECT row_key, data FROM derived_rows WHERE grain_key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = grainKey });
        await using var reader = await command.ExecuteReaderAsync();
        var chunk = new RowChunks(chunkRows, onChunk);
        while (await reader.ReadAsync()) chunk.Add(new StoredRow(reader.GetString(0), (byte[])reader.GetValue(1)));
        chunk.Complete();
    });

    /// <summary>
    /// One statement: the claim is checked (and held, FOR SHARE, so a new claim waits for it) and the rows written only
    /// if it is still current; the answer says whether it was.
    /// </summary>
    private sealed class SaveRows(string grainKey, long claim, IReadOnlyList<StoredRow> upserts, IReadOnlyList<string> deletes) : PostgresWrite<bool>
    {
        private const string Sql = """
            WITH owner AS (SELECT 1 FROM derived_owner WHERE grain_key = $1 AND epoch = $2 FOR SHARE),
            upserted AS (
                INSERT INTO derived_rows(grain_key, row_key, data)
                SELECT $1, k, d FROM unnest($3::text[], $4::bytea[]) AS u(k, d) WHERE EXISTS (SELECT 1 FROM owner)
                ON CONFLICT (grain_key, row_key) DO UPDATE SET data = excluded.data RETURNING 1),
            deleted AS (
                DELETE FROM derived_rows WHERE grain_key = $1 AND row_key = ANY($5::text[]) AND EXISTS (SELECT 1 FROM owner) RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM owner), (SELECT count(*) FROM upserted), (SELECT count(*) FROM deleted)
            """;

        public override void AddCommands(NpgsqlBatch batch)
        {
            var command = new NpgsqlBatchCommand(Sql);
            command.Parameters.Add(new NpgsqlParameter { Value = grainKey });
            command.Parameters.Add(new NpgsqlParameter { Value = claim });
            command.Parameters.Add(new NpgsqlParameter { Value = upserts.Select(r => r.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = upserts.Select(r => r.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            command.Parameters.Add(new NpgsqlParameter { Value = deletes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands.Add(command);
        }

        public override async Task ReadAsync(NpgsqlDataReader reader)
        {
            await reader.ReadAsync();
            var owner = reader.GetBoolean(0);
            await reader.NextResultAsync();
            if (owner) SetResult(true);
            else Failed = new Orleans.Storage.InconsistentStateException(
                $"The rows of {grainKey} were claimed by a newer activation (claim {claim} is stale): nothing was written.");
        }
    }
}

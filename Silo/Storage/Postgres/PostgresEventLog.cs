using System.Text.Json;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Queries;
using Npgsql;

namespace LiveOrleans.Storage.Postgres;

/// <summary>
/// The durable log on PostgreSQL. Appends go through the silo's committer (group commit); an intervention is its own
/// transaction, because it takes its tenant's audit-chain head row lock (the order of interventions made on several
/// silos at once). Reads use pooled connections.
/// </summary>
public sealed class PostgresEventLog(PostgresDatabase database, PostgresWriter writer, PostgresLogClock clock) : IEventLog
{
    // One entry: stored, or — its dedup key taken — the stored entry's position. A key being written by another
    // transaction at this moment is not visible to this statement: no row, and the committer looks again after the batch.
    internal const string AppendSql = """
        WITH added AS (
            INSERT INTO event_log(tenant, stream, kind, dedup_key, payload) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant, dedup_key) DO NOTHING RETURNING position)
        SELECT position, false FROM added
        UNION ALL
        SELECT position, true FROM event_log WHERE tenant = $1 AND dedup_key = $4 AND NOT EXISTS (SELECT 1 FROM added)
        """;

    private const string FindSql = "SELECT position FROM event_log WHERE tenant = $1 AND dedup_key = $2";

    public Task<LogAppendOutcome[]> AppendAsync(string tenant, string stream, IReadOnlyList<LogAppend> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return Task.FromResult(Array.Empty<LogAppendOutcome>());
        var write = new AppendEntries(tenant, stream, entries);
        writer.Enqueue(write);
        return write.Task;
    }

    public async Task<InterventionAppendOutcome> AppendInterventionAsync(string tenant, string stream, LogAppend entry, InterventionView audit, ControlCommand? control)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var (position, duplicate) = await AppendOneAsync(connection, transaction, tenant, stream, entry);
        if (duplicate)
        {
            await transaction.RollbackAsync();
            return new InterventionAppendOutcome(position, true, 0);
        }
        await using (var ensure = new NpgsqlCommand("INSERT INTO audit_head(tenant, seq, hash) VALUES ($1, 0, ''::bytea) ON CONFLICT (tenant) DO NOTHING", connection, transaction))
        {
            ensure.Parameters.Add(new NpgsqlParameter { Value = tenant });
            await ensure.ExecuteNonQueryAsync();
        }
        long lastSeq;
        byte[] previousHash;
        await using (var head = new NpgsqlCommand("SELECT seq, hash FROM audit_head WHERE tenant = $1 FOR UPDATE", connection, transaction))
        {
            head.Parameters.Add(new NpgsqlParameter { Value = tenant });
            await using var reader = await head.ExecuteReaderAsync();
            await reader.ReadAsync();
            lastSeq = reader.GetInt64(0);
            previousHash = (byte[])reader.GetValue(1);
        }
        var seq = lastSeq + 1;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(audit, LiveJson.Options);
        var hash = AuditChain.Hash(previousHash, bytes);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Command("""
                INSERT INTO audit_log(tenant, seq, intervention_id, session_id, at, entry, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """, tenant, seq, audit.InterventionId, audit.SessionId, audit.Timestamp.UtcTicks, bytes, previousHash, hash));
            batch.BatchCommands.Add(Command("UPDATE audit_head SET seq = $2, hash = $3 WHERE tenant = $1", tenant, seq, hash));
            if (control is not null)
            {
                batch.BatchCommands.Add(Command("INSERT INTO control_outbox(tenant, seq, intervention_id, command) VALUES ($1, $2, $3, $4)",
                    tenant, seq, audit.InterventionId, JsonSerializer.SerializeToUtf8Bytes(control with { Sequence = seq }, LiveJson.Options)));
            }
            await batch.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return new InterventionAppendOutcome(position, false, control is null ? 0 : seq);
    }

    public async Task<IReadOnlyList<LogRecord>> ReadAsync(string tenant, string stream, long afterPosition)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT position, kind, payload FROM event_log WHERE tenant = $1 AND stream = $2 AND position > $3 ORDER BY position");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        command.Parameters.Add(new NpgsqlParameter { Value = afterPosition });
        await using var reader = await command.ExecuteReaderAsync();
        var records = new List<LogRecord>();
        while (await reader.ReadAsync()) records.Add(new LogRecord(reader.GetInt64(0), (LogEntryKind)reader.GetInt16(1), (byte[])reader.GetValue(2)));
        return records;
    }

    public async Task<IReadOnlyList<string>> ChangedStreamsAsync(string tenant, long afterPosition)
    {
        await using var command = database.DataSource.CreateCommand("SELECT DISTINCT stream FROM event_log WHERE tenant = $1 AND position > $2");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = afterPosition });
        await using var reader = await command.ExecuteReaderAsync();
        var streams = new List<string>();
        while (await reader.ReadAsync()) streams.Add(reader.GetString(0));
        return streams;
    }

    public long StablePosition(TimeSpan margin) => clock.StablePosition(margin);

    public bool IsOverloaded => writer.IsOverloaded;

    public int PendingEntries => writer.PendingEntries;

    private static async Task<(long Position, bool Duplicate)> AppendOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string stream, LogAppend entry)
    {
        await using (var append = new NpgsqlCommand(AppendSql, connection, transaction))
        {
            foreach (var value in new object[] { tenant, stream, (short)entry.Kind, entry.DedupKey, entry.Payload }) append.Parameters.Add(new NpgsqlParameter { Value = value });
            await using var reader = await append.ExecuteReaderAsync();
            if (await reader.ReadAsync()) return (reader.GetInt64(0), reader.GetBoolean(1));
        }
        return (await FindAsync(connection, transaction, tenant, entry.DedupKey), true);
    }

    /// <summary>The position of a stored entry by its dedup key (a statement of its own: it sees what committed since the batch began).</summary>
    internal static async Task<long> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string dedupKey)
    {
        await using var find = new NpgsqlCommand(FindSql, connection, transaction);
        find.Parameters.Add(new NpgsqlParameter { Value = tenant });
        find.Parameters.Add(new NpgsqlParameter { Value = dedupKey });
        return (long)(await find.ExecuteScalarAsync())!;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    private sealed class AppendEntries(string tenant, string stream, IReadOnlyList<LogAppend> entries) : PostgresWrite<LogAppendOutcome[]>
    {
        private readonly LogAppendOutcome[] _outcomes = new LogAppendOutcome[entries.Count];
        private List<int>? _unseen;

        public override int Entries => entries.Count;

        public override void AddCommands(NpgsqlBatch batch)
        {
            foreach (var entry in entries) batch.BatchCommands.Add(Command(AppendSql, tenant, stream, (short)entry.Kind, entry.DedupKey, entry.Payload));
        }

        public override async Task ReadAsync(NpgsqlDataReader reader)
        {
            _unseen = null;
            for (var i = 0; i < entries.Count; i++)
            {
                if (await reader.ReadAsync()) _outcomes[i] = new LogAppendOutcome(reader.GetInt64(0), reader.GetBoolean(1));
                else (_unseen ??= []).Add(i);
                await reader.NextResultAsync();
            }
        }

        public override async Task AfterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            if (_unseen is not null)
            {
                foreach (var i in _unseen) _outcomes[i] = new LogAppendOutcome(await FindAsync(connection, transaction, tenant, entries[i].DedupKey), true);
            }
            SetResult(_outcomes);
        }
    }
}

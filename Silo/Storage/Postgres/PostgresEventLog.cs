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
        private LogRows? _rows;
        private int _first;
        private List<int>? _unseen;

        public override int Entries => entries.Count;

        // The entries go into the commit group's one multi-row statement (see LogRows); no statement of its own.
        public override void AddRows(LogRows rows)
        {
            _rows = rows;
            _first = rows.Add(tenant, stream, entries);
        }

        public override void AddCommands(NpgsqlBatch batch)
        {
        }

        public override Task ReadAsync(NpgsqlDataReader reader)
        {
            _unseen = null;
            for (var i = 0; i < entries.Count; i++)
            {
                if (_rows!.Outcome(_first + i) is { } outcome) _outcomes[i] = outcome;
                else (_unseen ??= []).Add(i);
            }
            return System.Threading.Tasks.Task.CompletedTask;
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

/// <summary>
/// The log entries of a commit group, appended by one statement: the rows travel as five arrays (one parameter each,
/// whatever their number), are inserted in their order (so a session's entries get ascending positions), and the
/// statement answers, per row in order, its position and whether it was a duplicate: of a stored entry, or of an
/// earlier row of the same group (the first of a repeated key is stored, the later ones answer its position). A stored
/// key's position is a correlated lookup, run only for the rows not inserted, so it is always one probe of the unique
/// index, whatever plan the table's size suggests. A key a concurrent transaction is writing is not visible to the
/// statement: no position, and the write looks again after it.
/// </summary>
internal sealed class LogRows
{
    private const string Sql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[], $5::bytea[])
                WITH ORDINALITY AS t(tenant, stream, kind, dedup_key, payload, ord)),
        added AS (
            INSERT INTO event_log(tenant, stream, kind, dedup_key, payload)
            SELECT tenant, stream, kind, dedup_key, payload FROM input ORDER BY ord
            ON CONFLICT (tenant, dedup_key) DO NOTHING
            RETURNING tenant, dedup_key, position),
        first AS (
            SELECT tenant, dedup_key, min(ord) AS ord FROM input GROUP BY tenant, dedup_key)
        SELECT COALESCE(a.position, (SELECT e.position FROM event_log e WHERE e.tenant = i.tenant AND e.dedup_key = i.dedup_key)),
               a.position IS NULL OR i.ord <> f.ord
        FROM input i
        JOIN first f ON f.tenant = i.tenant AND f.dedup_key = i.dedup_key
        LEFT JOIN added a ON a.tenant = i.tenant AND a.dedup_key = i.dedup_key
        ORDER BY i.ord
        """;

    private readonly List<string> _tenants = [], _streams = [], _keys = [];
    private readonly List<short> _kinds = [];
    private readonly List<byte[]> _payloads = [];
    private LogAppendOutcome?[] _outcomes = [];

    public int Count => _tenants.Count;

    /// <summary>Adds a write's entries; answers the index of its first row.</summary>
    public int Add(string tenant, string stream, IReadOnlyList<LogAppend> entries)
    {
        var first = Count;
        foreach (var entry in entries)
        {
            _tenants.Add(tenant);
            _streams.Add(stream);
            _kinds.Add((short)entry.Kind);
            _keys.Add(entry.DedupKey);
            _payloads.Add(entry.Payload);
        }
        return first;
    }

    public NpgsqlBatchCommand Command()
    {
        var command = new NpgsqlBatchCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _tenants] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _streams] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. _kinds] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _keys] });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. _payloads] });
        return command;
    }

    /// <summary>Reads the statement's rows (the reader at its result set; left there).</summary>
    public async Task ReadAsync(NpgsqlDataReader reader)
    {
        _outcomes = new LogAppendOutcome?[Count];
        for (var i = 0; i < Count; i++)
        {
            if (!await reader.ReadAsync()) throw new InvalidOperationException($"The log's append answered {i} rows for {Count} entries.");
            if (!reader.IsDBNull(0)) _outcomes[i] = new LogAppendOutcome(reader.GetInt64(0), reader.GetBoolean(1));
        }
    }

    /// <summary>Row <paramref name="index"/>'s position and whether it was a duplicate; null when not visible to the statement.</summary>
    public LogAppendOutcome? Outcome(int index) => _outcomes[index];
}

using System.Text.Json;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Queries;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>The durable log in the embedded store: appends go through the writer thread (group commit), reads use pooled connections.</summary>
public sealed class SqliteEventLog(SqliteDatabase database, SqliteWriter writer) : IEventLog
{
    public Task<LogAppendOutcome[]> AppendAsync(string tenant, string stream, IReadOnlyList<LogAppend> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return Task.FromResult(Array.Empty<LogAppendOutcome>());
        var write = new AppendEntries(tenant, stream, entries);
        writer.Enqueue(write);
        return write.Task;
    }

    public Task<InterventionAppendOutcome> AppendInterventionAsync(string tenant, string stream, LogAppend entry, InterventionView audit, ControlCommand? control)
    {
        var write = new AppendIntervention(tenant, stream, entry, audit, control);
        writer.Enqueue(write);
        return write.Task;
    }

    public Task<IReadOnlyList<LogRecord>> ReadAsync(string tenant, string stream, long afterPosition)
        => Task.FromResult(database.Read<IReadOnlyList<LogRecord>>((PooledReader connection) =>
        {
            var command = connection.Command("SELECT position, kind, payload FROM event_log WHERE tenant = $t AND stream = $s AND position > $after ORDER BY position",
                ("$t", tenant), ("$s", stream), ("$after", afterPosition));
            using var reader = command.ExecuteReader();
            var records = new List<LogRecord>();
            while (reader.Read()) records.Add(new LogRecord(reader.GetInt64(0), (LogEntryKind)reader.GetInt32(1), (byte[])reader.GetValue(2)));
            return records;
        }));

    public Task<IReadOnlyList<string>> ChangedStreamsAsync(string tenant, long afterPosition)
        => Task.FromResult(database.Read<IReadOnlyList<string>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT stream FROM event_log WHERE position > $after AND tenant = $t";
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$after", afterPosition);
            using var reader = command.ExecuteReader();
            var streams = new List<string>();
            while (reader.Read()) streams.Add(reader.GetString(0));
            return streams;
        }));

    public long StablePosition(TimeSpan margin) => writer.Clock.StablePosition(margin);

    public bool IsOverloaded => writer.IsOverloaded;

    public int PendingEntries => writer.PendingEntries;

    private sealed class AppendEntries(string tenant, string stream, IReadOnlyList<LogAppend> entries) : SqliteWrite<LogAppendOutcome[]>
    {
        public override int Entries => entries.Count;

        public override void Execute(SqliteWriteBatch batch)
        {
            var outcomes = new LogAppendOutcome[entries.Count];
            for (var i = 0; i < entries.Count; i++)
            {
                var (position, duplicate) = batch.AppendEntry(tenant, stream, (int)entries[i].Kind, entries[i].DedupKey, entries[i].Payload);
                outcomes[i] = new LogAppendOutcome(position, duplicate);
            }
            SetResult(outcomes);
        }
    }

    private sealed class AppendIntervention(string tenant, string stream, LogAppend entry, InterventionView audit, ControlCommand? control)
        : SqliteWrite<InterventionAppendOutcome>
    {
        public override int Entries => 1;

        public override void Execute(SqliteWriteBatch batch)
        {
            var (position, duplicate) = batch.AppendEntry(tenant, stream, (int)entry.Kind, entry.DedupKey, entry.Payload);
            if (duplicate)
            {
                SetResult(new InterventionAppendOutcome(position, true, 0));
                return;
            }
            var (lastSeq, previousHash) = batch.AuditHead(tenant);
            var seq = lastSeq + 1;
            var bytes = JsonSerializer.SerializeToUtf8Bytes(audit, LiveJson.Options);
            batch.AppendAudit(tenant, seq, audit.InterventionId, audit.SessionId, audit.Timestamp, bytes, previousHash, AuditChain.Hash(previousHash, bytes));
            if (control is not null)
            {
                batch.AddControl(tenant, seq, audit.InterventionId, JsonSerializer.SerializeToUtf8Bytes(control with { Sequence = seq }, LiveJson.Options));
            }
            SetResult(new InterventionAppendOutcome(position, false, control is null ? 0 : seq));
        }
    }
}

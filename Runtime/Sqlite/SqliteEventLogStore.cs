using Microsoft.Data.Sqlite;

namespace LiveOrleans.Runtime.Sqlite;

/// <summary>The durable log in SQLite. One writer connection; positions are assigned here, one per stored entry.</summary>
public sealed class SqliteEventLogStore : IEventLogStore
{
    private readonly SqliteDatabase _database;
    private readonly SqliteConnection _writer;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _position, _tenant, _kind, _dedupKey, _payload;
    private long _lastPosition;
    private bool _prepared;

    public SqliteEventLogStore(SqliteDatabase database)
    {
        _database = database;
        _writer = database.Open();
        _insert = _writer.CreateCommand();
        _insert.CommandText = "INSERT OR IGNORE INTO event_log(position, tenant, kind, dedup_key, payload) VALUES ($p, $t, $k, $d, $b)";
        _position = _insert.Parameters.Add("$p", SqliteType.Integer);
        _tenant = _insert.Parameters.Add("$t", SqliteType.Text);
        _kind = _insert.Parameters.Add("$k", SqliteType.Integer);
        _dedupKey = _insert.Parameters.Add("$d", SqliteType.Text);
        _payload = _insert.Parameters.Add("$b", SqliteType.Blob);
        _lastPosition = LastPosition();
    }

    public AppendOutcome[] AppendBatch(IReadOnlyList<LogAppend> batch)
    {
        var outcomes = new AppendOutcome[batch.Count];
        var next = _lastPosition;
        using var transaction = _writer.BeginTransaction();
        _insert.Transaction = transaction;
        if (!_prepared)
        {
            _insert.Prepare();
            _prepared = true;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            var entry = batch[i];
            _position.Value = next + 1;
            _tenant.Value = entry.Tenant;
            _kind.Value = (int)entry.Kind;
            _dedupKey.Value = (object?)entry.DedupKey ?? DBNull.Value;
            _payload.Value = entry.Payload;
            if (_insert.ExecuteNonQuery() == 1)
            {
                outcomes[i] = new AppendOutcome(++next);
            }
        }
        transaction.Commit();
        _lastPosition = next;
        return outcomes;
    }

    public IEnumerable<LogEntry> ReadAfter(long afterPosition)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT position, tenant, kind, payload FROM event_log WHERE position > $after ORDER BY position";
        command.Parameters.AddWithValue("$after", afterPosition);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new LogEntry(reader.GetInt64(0), reader.GetString(1), (LogEntryKind)reader.GetInt32(2), (byte[])reader.GetValue(3));
        }
    }

    public long LastPosition()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(position), 0) FROM event_log";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _writer.Dispose();
    }
}

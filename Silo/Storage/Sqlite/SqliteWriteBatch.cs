using Microsoft.Data.Sqlite;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>
/// The writer thread's transaction and its prepared statements. Writes call these inside a savepoint of their
/// own; what a write stages (the audit chain's head, the highest position) counts only once its savepoint is
/// released, and only for the store once the transaction is committed.
/// </summary>
internal sealed class SqliteWriteBatch
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEntry, _findEntry, _insertState, _updateState, _deleteState,
        _upsertRow, _deleteRow, _claimRows, _rowsClaim, _insertAudit, _auditHead, _insertControl, _deleteControl, _savepoint, _release, _rollbackTo;
    private SqliteTransaction? _transaction;

    private long _writeMaxPosition;

    public SqliteWriteBatch(SqliteConnection connection)
    {
        _connection = connection;
        _insertEntry = Prepare("INSERT OR IGNORE INTO event_log(tenant, stream, kind, dedup_key, payload) VALUES ($t, $s, $k, $d, $p)",
            ("$t", SqliteType.Text), ("$s", SqliteType.Text), ("$k", SqliteType.Integer), ("$d", SqliteType.Text), ("$p", SqliteType.Blob));
        _findEntry = Prepare("SELECT position FROM event_log WHERE tenant = $t AND dedup_key = $d", ("$t", SqliteType.Text), ("$d", SqliteType.Text));
        _insertState = Prepare("INSERT INTO grain_state(grain_key, etag, data) VALUES ($k, 1, $d) ON CONFLICT(grain_key) DO NOTHING",
            ("$k", SqliteType.Text), ("$d", SqliteType.Blob));
        _updateState = Prepare("UPDATE grain_state SET etag = etag + 1, data = $d WHERE grain_key = $k AND etag = $e",
            ("$k", SqliteType.Text), ("$d", SqliteType.Blob), ("$e", SqliteType.Integer));
        _deleteState = Prepare("DELETE FROM grain_state WHERE grain_key = $k AND etag = $e", ("$k", SqliteType.Text), ("$e", SqliteType.Integer));
        _upsertRow = Prepare("INSERT INTO derived_rows(grain_key, row_key, data) VALUES ($g, $r, $d) ON CONFLICT(grain_key, row_key) DO UPDATE SET data = excluded.data",
            ("$g", SqliteType.Text), ("$r", SqliteType.Text), ("$d", SqliteType.Blob));
        _deleteRow = Prepare("DELETE FROM derived_rows WHERE grain_key = $g AND row_key = $r", ("$g", SqliteType.Text), ("$r", SqliteType.Text));
        _claimRows = Prepare("INSERT INTO derived_owner(grain_key, epoch) VALUES ($g, 1) ON CONFLICT(grain_key) DO UPDATE SET epoch = epoch + 1 RETURNING epoch",
            ("$g", SqliteType.Text));
        _rowsClaim = Prepare("SELECT epoch FROM derived_owner WHERE grain_key = $g", ("$g", SqliteType.Text));
        _insertAudit = Prepare("""
            INSERT INTO audit_log(tenant, seq, intervention_id, session_id, at, entry, prev_hash, hash)
            VALUES ($t, $seq, $i, $s, $at, $e, $ph, $h)
            """,
            ("$t", SqliteType.Text), ("$seq", SqliteType.Integer), ("$i", SqliteType.Text), ("$s", SqliteType.Text), ("$at", SqliteType.Integer),
            ("$e", SqliteType.Blob), ("$ph", SqliteType.Blob), ("$h", SqliteType.Blob));
        _auditHead = Prepare("SELECT seq, hash FROM audit_log WHERE tenant = $t ORDER BY seq DESC LIMIT 1", ("$t", SqliteType.Text));
        _insertControl = Prepare("INSERT INTO control_outbox(tenant, seq, intervention_id, command) VALUES ($t, $seq, $i, $c)",
            ("$t", SqliteType.Text), ("$seq", SqliteType.Integer), ("$i", SqliteType.Text), ("$c", SqliteType.Blob));
        _deleteControl = Prepare("DELETE FROM control_outbox WHERE tenant = $t AND intervention_id = $i", ("$t", SqliteType.Text), ("$i", SqliteType.Text));
        _savepoint = Prepare("SAVEPOINT w");
        _release = Prepare("RELEASE w");
        _rollbackTo = Prepare("ROLLBACK TO w");
    }

    /// <summary>The highest log position the committed writes of the current transaction stored.</summary>
    public long LastPosition { get; private set; }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
        return command;
    }

    private SqliteCommand Bind(SqliteCommand command, params object?[] values)
    {
        command.Transaction = _transaction;
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command;
    }

    public void Begin()
    {
        _transaction = _connection.BeginTransaction(deferred: false);
        LastPosition = 0;
    }

    public void Commit()
    {
        _transaction!.Commit();
        _transaction.Dispose();
        _transaction = null;
    }

    public void Rollback()
    {
        try
        {
            _transaction?.Rollback();
        }
        catch (SqliteException)
        {
            // The transaction may already be gone (SQLite rolls back on some errors by itself).
        }
        _transaction?.Dispose();
        _transaction = null;
        LastPosition = 0;
    }

    public void Savepoint()
    {
        _writeMaxPosition = 0;
        Bind(_savepoint).ExecuteNonQuery();
    }

    public void Release()
    {
        Bind(_release).ExecuteNonQuery();
        LastPosition = Math.Max(LastPosition, _writeMaxPosition);
    }

    public void RollbackToSavepoint()
    {
        Bind(_rollbackTo).ExecuteNonQuery();
        Bind(_release).ExecuteNonQuery();
    }

    /// <summary>Appends a log entry; a repeated dedup key answers the stored entry's position.</summary>
    public (long Position, bool Duplicate) AppendEntry(string tenant, string stream, int kind, string dedupKey, byte[] payload)
    {
        // No reader per row: the position of a stored row is SQLite's last rowid (position is the table's rowid).
        if (Bind(_insertEntry, tenant, stream, kind, dedupKey, payload).ExecuteNonQuery() == 1)
        {
            var position = SQLitePCL.raw.sqlite3_last_insert_rowid(_connection.Handle);
            _writeMaxPosition = Math.Max(_writeMaxPosition, position);
            return (position, false);
        }
        return ((long)Bind(_findEntry, tenant, dedupKey).ExecuteScalar()!, true);
    }

    /// <summary>Writes a grain snapshot over the version <paramref name="expectedEtag"/> (null: there must be none); answers the new version, or null when the stored one is another.</summary>
    public long? WriteState(string key, long? expectedEtag, byte[] data)
    {
        if (expectedEtag is null) return Bind(_insertState, key, data).ExecuteNonQuery() == 1 ? 1 : null;
        return Bind(_updateState, key, data, expectedEtag.Value).ExecuteNonQuery() == 1 ? expectedEtag.Value + 1 : null;
    }

    public bool ClearState(string key, long expectedEtag) => Bind(_deleteState, key, expectedEtag).ExecuteNonQuery() == 1;

    public void UpsertRow(string grainKey, string rowKey, byte[] data) => Bind(_upsertRow, grainKey, rowKey, data).ExecuteNonQuery();

    public void DeleteRow(string grainKey, string rowKey) => Bind(_deleteRow, grainKey, rowKey).ExecuteNonQuery();

    /// <summary>Makes a new activation the only writer of a grain's rows: answers its claim.</summary>
    public long ClaimRows(string grainKey) => (long)Bind(_claimRows, grainKey).ExecuteScalar()!;

    /// <summary>The current claim on a grain's rows (0 when none was made).</summary>
    public long RowsClaim(string grainKey) => Bind(_rowsClaim, grainKey).ExecuteScalar() is long claim ? claim : 0;

    /// <summary>
    /// The head of a tenant's audit chain: the last sequence number and hash (0 and no bytes for an empty chain). Read in
    /// the write transaction each time (an indexed row; interventions are rare): it sees this transaction's own entries
    /// and rolled-back ones are gone, and no other writer of the file (a second silo of a test cluster) can have moved
    /// it since (the transaction holds the write lock).
    /// </summary>
    public (long Seq, byte[] Hash) AuditHead(string tenant)
    {
        using var reader = Bind(_auditHead, tenant).ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), (byte[])reader.GetValue(1)) : (0, []);
    }

    public void AppendAudit(string tenant, long seq, string interventionId, string sessionId, DateTimeOffset at, byte[] entry, byte[] previousHash, byte[] hash)
    {
        Bind(_insertAudit, tenant, seq, interventionId, sessionId, at.UtcTicks, entry, previousHash, hash).ExecuteNonQuery();
    }

    public void AddControl(string tenant, long seq, string interventionId, byte[] command)
        => Bind(_insertControl, tenant, seq, interventionId, command).ExecuteNonQuery();

    public bool RemoveControl(string tenant, string interventionId) => Bind(_deleteControl, tenant, interventionId).ExecuteNonQuery() == 1;
}

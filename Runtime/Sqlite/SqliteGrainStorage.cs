using Microsoft.Data.Sqlite;

namespace LiveOrleans.Runtime.Sqlite;

/// <summary>Grain snapshots and partition checkpoints in SQLite.</summary>
public sealed class SqliteGrainStorage(SqliteDatabase database) : IGrainStorage
{
    private readonly Lock _writeLock = new();
    private SqliteConnection? _writer;

    public void WriteCheckpoint(PartitionCheckpoint checkpoint)
    {
        lock (_writeLock)
        {
            _writer ??= database.Open();
            using var transaction = _writer.BeginTransaction();
            using (var upsert = _writer.CreateCommand())
            {
                upsert.Transaction = transaction;
                upsert.CommandText = """
                    INSERT INTO grain_state(grain_id, partition, active, data) VALUES ($id, $p, $a, $d)
                    ON CONFLICT(grain_id) DO UPDATE SET partition = excluded.partition, active = excluded.active, data = excluded.data
                    """;
                var id = upsert.Parameters.Add("$id", SqliteType.Text);
                var partition = upsert.Parameters.Add("$p", SqliteType.Integer);
                var active = upsert.Parameters.Add("$a", SqliteType.Integer);
                var data = upsert.Parameters.Add("$d", SqliteType.Blob);
                partition.Value = checkpoint.Partition;
                foreach (var snapshot in checkpoint.Snapshots)
                {
                    id.Value = snapshot.Id.ToString();
                    active.Value = snapshot.Active ? 1 : 0;
                    data.Value = snapshot.Data;
                    upsert.ExecuteNonQuery();
                }
            }
            using (var position = _writer.CreateCommand())
            {
                position.Transaction = transaction;
                position.CommandText = """
                    INSERT INTO checkpoints(partition, position) VALUES ($p, $pos)
                    ON CONFLICT(partition) DO UPDATE SET position = excluded.position
                    """;
                position.Parameters.AddWithValue("$p", checkpoint.Partition);
                position.Parameters.AddWithValue("$pos", checkpoint.Position);
                position.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    public StoredPartition LoadPartition(int partition)
    {
        using var connection = database.Open();
        long position;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT position FROM checkpoints WHERE partition = $p";
            command.Parameters.AddWithValue("$p", partition);
            position = command.ExecuteScalar() is long p ? p : 0;
        }
        var snapshots = new List<GrainSnapshot>();
        var collected = new List<GrainId>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT grain_id, active, CASE WHEN active = 1 THEN data END FROM grain_state WHERE partition = $p";
            command.Parameters.AddWithValue("$p", partition);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = GrainId.Parse(reader.GetString(0));
                if (reader.GetInt64(1) == 1) snapshots.Add(new GrainSnapshot(id, (byte[])reader.GetValue(2), true));
                else collected.Add(id);
            }
        }
        return new StoredPartition(position, snapshots, collected);
    }

    public byte[]? ReadGrain(GrainId id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM grain_state WHERE grain_id = $id";
        command.Parameters.AddWithValue("$id", id.ToString());
        return command.ExecuteScalar() as byte[];
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }
}

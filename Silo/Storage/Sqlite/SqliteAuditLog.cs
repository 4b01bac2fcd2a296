using System.Text.Json;
using LiveOrleans.Queries;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>Reads the permanent audit log of interventions and checks its hash chain.</summary>
public sealed class SqliteAuditLog(SqliteDatabase database) : IAuditLog
{
    public Task<IReadOnlyList<InterventionView>> QueryAsync(string tenant, string? sessionId, DateTimeOffset? from, DateTimeOffset? to)
        => Task.FromResult(database.Read<IReadOnlyList<InterventionView>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sessionId is null
                ? "SELECT entry FROM audit_log WHERE tenant = $t AND at >= $from AND at <= $to ORDER BY seq"
                : "SELECT entry FROM audit_log WHERE tenant = $t AND session_id = $s AND at >= $from AND at <= $to ORDER BY seq";
            command.Parameters.AddWithValue("$t", tenant);
            if (sessionId is not null) command.Parameters.AddWithValue("$s", sessionId);
            command.Parameters.AddWithValue("$from", from?.UtcTicks ?? long.MinValue);
            command.Parameters.AddWithValue("$to", to?.UtcTicks ?? long.MaxValue);
            using var reader = command.ExecuteReader();
            var entries = new List<InterventionView>();
            while (reader.Read()) entries.Add(JsonSerializer.Deserialize<InterventionView>((byte[])reader.GetValue(0), LiveJson.Options)!);
            return entries;
        }));

    public Task<AuditVerification> VerifyAsync(string tenant)
        => Task.FromResult(database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT seq, entry, prev_hash, hash FROM audit_log WHERE tenant = $t ORDER BY seq";
            command.Parameters.AddWithValue("$t", tenant);
            using var reader = command.ExecuteReader();
            return AuditChain.Verify(Rows(reader));
        }));

    private static IEnumerable<(long, byte[], byte[], byte[])> Rows(Microsoft.Data.Sqlite.SqliteDataReader reader)
    {
        while (reader.Read()) yield return (reader.GetInt64(0), (byte[])reader.GetValue(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3));
    }
}

/// <summary>Reads and acknowledges the control commands producers have not acknowledged yet.</summary>
public sealed class SqliteControlOutbox(SqliteDatabase database, SqliteWriter writer) : IControlOutbox
{
    public Task<IReadOnlyList<ControlCommand>> PendingAsync(string tenant, long afterSequence)
        => Task.FromResult(database.Read<IReadOnlyList<ControlCommand>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT command FROM control_outbox WHERE tenant = $t AND seq > $after ORDER BY seq";
            command.Parameters.AddWithValue("$t", tenant);
            command.Parameters.AddWithValue("$after", afterSequence);
            using var reader = command.ExecuteReader();
            var commands = new List<ControlCommand>();
            while (reader.Read()) commands.Add(JsonSerializer.Deserialize<ControlCommand>((byte[])reader.GetValue(0), LiveJson.Options)!);
            return commands;
        }));

    public Task<long> LastSequenceAsync(string tenant)
        => Task.FromResult(database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE tenant = $t";
            command.Parameters.AddWithValue("$t", tenant);
            return (long)command.ExecuteScalar()!;
        }));

    public Task<bool> AcknowledgeAsync(string tenant, string interventionId)
    {
        var write = new Acknowledge(tenant, interventionId);
        writer.Enqueue(write);
        return write.Task;
    }

    private sealed class Acknowledge(string tenant, string interventionId) : SqliteWrite<bool>
    {
        public override void Execute(SqliteWriteBatch batch) => SetResult(batch.RemoveControl(tenant, interventionId));
    }
}

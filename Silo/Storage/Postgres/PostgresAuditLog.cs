using System.Text.Json;
using LiveOrleans.Queries;
using Npgsql;

namespace LiveOrleans.Storage.Postgres;

/// <summary>Reads the permanent audit log of interventions on PostgreSQL and checks its hash chain.</summary>
public sealed class PostgresAuditLog(PostgresDatabase database) : IAuditLog
{
    public async Task<IReadOnlyList<InterventionView>> QueryAsync(string tenant, string? sessionId, DateTimeOffset? from, DateTimeOffset? to)
    {
        await using var command = database.DataSource.CreateCommand(sessionId is null
            ? "SELECT entry FROM audit_log WHERE tenant = $1 AND at >= $2 AND at <= $3 ORDER BY seq"
            : "SELECT entry FROM audit_log WHERE tenant = $1 AND at >= $2 AND at <= $3 AND session_id = $4 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = from?.UtcTicks ?? long.MinValue });
        command.Parameters.Add(new NpgsqlParameter { Value = to?.UtcTicks ?? long.MaxValue });
        if (sessionId is not null) command.Parameters.Add(new NpgsqlParameter { Value = sessionId });
        await using var reader = await command.ExecuteReaderAsync();
        var entries = new List<InterventionView>();
        while (await reader.ReadAsync()) entries.Add(JsonSerializer.Deserialize<InterventionView>((byte[])reader.GetValue(0), LiveJson.Options)!);
        return entries;
    }

    public async Task<AuditVerification> VerifyAsync(string tenant)
    {
        await using var command = database.DataSource.CreateCommand("SELECT seq, entry, prev_hash, hash FROM audit_log WHERE tenant = $1 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, byte[], byte[], byte[])>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3)));
        return AuditChain.Verify(rows);
    }
}

/// <summary>Reads and acknowledges the control commands producers have not acknowledged yet, on PostgreSQL.</summary>
public sealed class PostgresControlOutbox(PostgresDatabase database) : IControlOutbox
{
    public async Task<IReadOnlyList<ControlCommand>> PendingAsync(string tenant, long afterSequence)
    {
        await using var command = database.DataSource.CreateCommand("SELECT command FROM control_outbox WHERE tenant = $1 AND seq > $2 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        await using var reader = await command.ExecuteReaderAsync();
        var commands = new List<ControlCommand>();
        while (await reader.ReadAsync()) commands.Add(JsonSerializer.Deserialize<ControlCommand>((byte[])reader.GetValue(0), LiveJson.Options)!);
        return commands;
    }

    public async Task<long> LastSequenceAsync(string tenant)
    {
        await using var command = database.DataSource.CreateCommand("SELECT COALESCE((SELECT seq FROM audit_head WHERE tenant = $1), 0)");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<bool> AcknowledgeAsync(string tenant, string interventionId)
    {
        await using var command = database.DataSource.CreateCommand("DELETE FROM control_outbox WHERE tenant = $1 AND intervention_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = interventionId });
        return await command.ExecuteNonQueryAsync() == 1;
    }
}

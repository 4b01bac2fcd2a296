using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace LiveOrleans.Storage.Sqlite;

/// <summary>
/// Grain snapshots in the embedded store, in Orleans' binary serialization. Writes go through the writer thread,
/// so snapshots of many grains share a transaction. Every write names the version it replaces (the ETag): a stale
/// one — a second activation of the same grain, for instance — fails with <see cref="InconsistentStateException"/>
/// and overwrites nothing.
/// </summary>
public sealed class SqliteGrainStorage(SqliteDatabase database, SqliteWriter writer, Serializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = KeyOf(stateName, grainId);
        var stored = database.Read((PooledReader connection) =>
        {
            using var reader = connection.Command("SELECT etag, data FROM grain_state WHERE grain_key = $k", ("$k", key)).ExecuteReader();
            return reader.Read() ? (Etag: reader.GetInt64(0), Data: (byte[])reader.GetValue(1)) : default;
        });
        if (stored.Data is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
        grainState.State = serializer.Deserialize<T>(stored.Data);
        grainState.ETag = stored.Etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = KeyOf(stateName, grainId);
        var expected = ParseEtag(grainState.ETag);
        var write = new WriteState(key, expected, serializer.SerializeToArray(grainState.State));
        writer.Enqueue(write);
        var written = await write.Task;
        if (written is null)
        {
            throw new InconsistentStateException($"The stored snapshot of {key} is not version {grainState.ETag ?? "(none)"}: another activation wrote it. Nothing was overwritten.",
                storedEtag: null, currentEtag: grainState.ETag);
        }
        grainState.ETag = written.Value.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (ParseEtag(grainState.ETag) is not { } expected) return;
        var key = KeyOf(stateName, grainId);
        var write = new ClearState(key, expected);
        writer.Enqueue(write);
        if (!await write.Task)
        {
            throw new InconsistentStateException($"The stored snapshot of {key} is not version {grainState.ETag}: another activation wrote it. Nothing was deleted.",
                storedEtag: null, currentEtag: grainState.ETag);
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static string KeyOf(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    private static long? ParseEtag(string? etag) => etag is null ? null : long.Parse(etag, CultureInfo.InvariantCulture);

    private sealed class WriteState(string key, long? expected, byte[] data) : SqliteWrite<long?>
    {
        public override void Execute(SqliteWriteBatch batch) => SetResult(batch.WriteState(key, expected, data));
    }

    private sealed class ClearState(string key, long expected) : SqliteWrite<bool>
    {
        public override void Execute(SqliteWriteBatch batch) => SetResult(batch.ClearState(key, expected));
    }
}

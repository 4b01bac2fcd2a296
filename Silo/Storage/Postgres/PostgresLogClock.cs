using Npgsql;

namespace LiveOrleans.Storage.Postgres;

/// <summary>
/// When log positions were taken, across the whole cluster: every 200 ms the position sequence's last value is
/// sampled. Every entry at or below a sample was given its position before the sample was taken, and its transaction
/// commits within the committer's command time-out (30 s) or never, so a sample older than the margin
/// (<c>Live:RecoveryMargin</c>, 60 s) answers a position whose entries are all committed and delivered. Until a
/// silo has held samples for that long, it answers 0 (derived grains then keep the covered position they had).
/// </summary>
public sealed class PostgresLogClock : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);
    private readonly PostgresDatabase _database;
    private readonly LogClock _clock = new(0);
    private readonly Timer _timer;
    private int _sampling;

    public PostgresLogClock(PostgresDatabase database)
    {
        _database = database;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, Period);
    }

    public long StablePosition(TimeSpan margin) => _clock.StablePosition(margin);

    private void Sample()
    {
        if (Interlocked.Exchange(ref _sampling, 1) == 1) return;
        try
        {
            using var command = _database.DataSource.CreateCommand(
                "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('event_log', 'position')::regclass), 0)");
            _clock.Committed((long)command.ExecuteScalar()!);
        }
        catch (NpgsqlException)
        {
            // The server is away: no sample, so the answer only gets older (safe); the next tick tries again.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}

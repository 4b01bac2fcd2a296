using Microsoft.Extensions.Logging;

namespace LiveOrleans.Runtime;

/// <summary>
/// One virtual partition: a loop that runs one turn at a time (apply a log entry, answer a query, fire timers,
/// take a checkpoint), so grains get Orleans' turn-based guarantee without locks, and applying the same log
/// gives the same state.
/// </summary>
internal sealed partial class Partition
{
    private readonly Channel<WorkItem> _inbox = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogEntryHandler _handler;
    private readonly ILogger _logger;
    private readonly INotificationSink? _notifications;
    private List<object> _published = [];
    private Task _loop = Task.CompletedTask;

    public Partition(int index, GrainTypes types, IGrainStorage storage, ILogEntryHandler handler, TimeProvider time, ILogger logger,
        INotificationSink? notifications = null)
    {
        _notifications = notifications;
        Index = index;
        _types = types;
        _storage = storage;
        _handler = handler;
        Time = time;
        _logger = logger;
    }

    public int Index { get; }

    /// <summary>The log position the partition's stored checkpoint covers (entries up to it are in the snapshots).</summary>
    public long CheckpointPosition { get; private set; }

    public TimeProvider Time { get; }

    public long CurrentPosition { get; private set; }

    /// <summary>Loads the checkpoint: snapshots of the grains that were active, and the position they cover.</summary>
    public void Recover()
    {
        var stored = _storage.LoadPartition(Index);
        CheckpointPosition = stored.Position;
        ActivateAll(stored.Active);
        _stored.UnionWith(stored.Collected);
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public Task StopAsync()
    {
        _inbox.Writer.TryComplete();
        return _loop;
    }

    public void Post(WorkItem item)
    {
        if (!_inbox.Writer.TryWrite(item)) item.Cancel();
    }

    private async Task RunAsync()
    {
        await foreach (var item in _inbox.Reader.ReadAllAsync())
        {
            try
            {
                item.Run(this);
            }
            catch (Exception ex)
            {
                Log.TurnFailed(_logger, Index, ex);
                item.Fail(ex);
            }
            finally
            {
                EndTurn();
                FlushNotifications();
            }
        }
    }

    /// <summary>Applies log entries in order; a failing entry is logged and skipped, the same way on every replay.</summary>
    internal object?[] Apply(IReadOnlyList<LogEntry> entries)
    {
        var results = new object?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            CurrentPosition = entry.Position;
            _writeTurn = true;
            try
            {
                results[i] = _handler.Apply(this, entry);
            }
            catch (Exception ex)
            {
                Log.ApplyFailed(_logger, Index, entry.Position, ex);
            }
            EndTurn();
        }
        return results;
    }

    /// <summary>Fires due timers; timer turns may change state, which is then checkpointed like any other change.</summary>
    internal void FireTimers()
    {
        var now = Time.GetUtcNow();
        while (_timers.TryPeek(out var timer, out var dueAt) && dueAt <= now)
        {
            _timers.Dequeue();
            if (!_active.TryGetValue(timer.Id, out var grain)) continue;
            _writeTurn = true;
            _dirty.Add(timer.Id);
            try
            {
                grain.OnTimer(timer.Name);
            }
            catch (Exception ex)
            {
                Log.TimerFailed(_logger, timer.Id.ToString(), timer.Name, ex);
            }
            EndTurn();
        }
    }

    public void Publish(object notification)
    {
        if (_notifications is not null) _published.Add(notification);
    }

    private void FlushNotifications()
    {
        if (_published.Count == 0) return;
        var batch = _published;
        _published = [];
        _notifications!.OnPublished(batch);
    }

    private void EndTurn()
    {
        _writeTurn = false;
        CurrentPosition = 0;
        CollectDeactivated();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Partition {Partition}: a turn failed.")]
        public static partial void TurnFailed(ILogger logger, int partition, Exception ex);

        [LoggerMessage(2, LogLevel.Error, "Partition {Partition}: applying log entry {Position} failed; it is skipped.")]
        public static partial void ApplyFailed(ILogger logger, int partition, long position, Exception ex);

        [LoggerMessage(3, LogLevel.Error, "Timer {Timer} of grain {Grain} failed.")]
        public static partial void TimerFailed(ILogger logger, string grain, string timer, Exception ex);
    }
}

using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveOrleans.Api.Live;

/// <summary>
/// The pushes waiting for one dashboard connection, written by a pump of its own so a slow browser holds back only
/// itself. Pushes with a key (a figure, a session's card) replace a waiting one with the same key, in place: a
/// browser that falls behind gets the latest figures, not every stale one. The rest (activity, alerts, messages,
/// tokens) wait in order. Past its byte bound the connection is closed, so a stalled browser cannot grow the
/// engine's memory; it reconnects and takes a fresh snapshot. A connection with ticks also has one tick slot: a frame
/// not yet written when the next comes is merged with it, so the connection never holds two (and gets at most one per
/// tick, whatever the traffic).
/// </summary>
public sealed partial class ConnectionQueue(string connectionId, HubConnectionContext connection, int maxBytes, ILogger logger)
{
    /// <summary>A push serialised at most once per protocol, however many connections it is written to.</summary>
    public sealed class Message(string method, object?[] arguments)
    {
        public SerializedHubMessage Serialized { get; } = new(new InvocationMessage(method, arguments));

        /// <summary>About what it holds in memory while it waits (its payloads).</summary>
        public int Bytes { get; } = 64 + arguments.Sum(a => a is RawJson raw ? raw.Utf8.Length : a is string s ? s.Length * 2 : 16);
    }

    private readonly Lock _lock = new();
    private readonly LinkedList<Push> _pending = new();
    private readonly Dictionary<string, LinkedListNode<Push>> _keyed = new(StringComparer.Ordinal);
    private long _bytes;
    // The tick waiting to be written: the group's shared frame and its serialisation, or a merge of frames of our own.
    private TickFrame? _tick;
    private Message? _tickShared;
    private int _tickBytes;
    private long _tickQueuedAt;
    private bool _pumping;
    private bool _closed;

    private sealed record Push(string? Key, Message Message, int Bytes, long QueuedAt);

    public string ConnectionId { get; } = connectionId;

    /// <summary>Queues a push; <paramref name="key"/>, when given, replaces a waiting push with the same key.</summary>
    public void Enqueue(string? key, Message message)
    {
        var bytes = message.Bytes;
        var push = new Push(key, message, bytes, System.Diagnostics.Stopwatch.GetTimestamp());
        bool start;
        lock (_lock)
        {
            if (_closed) return;
            if (key is not null && _keyed.TryGetValue(key, out var waiting))
            {
                _bytes += bytes - waiting.Value.Bytes;
                waiting.Value = push;
            }
            else
            {
                var node = _pending.AddLast(push);
                if (key is not null) _keyed[key] = node;
                _bytes += bytes;
            }
            start = StartPumpUnlessOverflowing();
        }
        if (start) _ = PumpAsync();
    }

    /// <summary>Offers a group's frame: written as it is when no tick is waiting, else merged into the waiting one.</summary>
    public void OfferTick(TickFrame frame, Message shared)
    {
        bool start;
        lock (_lock)
        {
            if (_closed) return;
            if (_tick is null)
            {
                _tick = frame;
                _tickShared = shared;
                _tickQueuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            else
            {
                // The waiting frame may be the group's (shared by every member): merged into a copy of our own.
                if (_tickShared is not null) _tick = _tick.Copy();
                _tick.MergeNewer(frame);
                _tickShared = null;
            }
            _bytes -= _tickBytes;
            _tickBytes = _tick.Bytes;
            _bytes += _tickBytes;
            start = StartPumpUnlessOverflowing();
        }
        if (start) _ = PumpAsync();
    }

    /// <summary>
    /// Under the lock, after something was queued: past the byte bound the connection is closed (its browser reconnects
    /// with a fresh snapshot); otherwise answers whether the pump must be started.
    /// </summary>
    private bool StartPumpUnlessOverflowing()
    {
        if (_bytes > maxBytes)
        {
            Log.Overflow(logger, ConnectionId, _bytes);
            Close();
            connection.Abort();
            return false;
        }
        var start = !_pumping;
        _pumping = true;
        return start;
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _pending.Clear();
            _keyed.Clear();
            _tick = null;
            _tickShared = null;
            _tickBytes = 0;
            _bytes = 0;
        }
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            Push push;
            lock (_lock)
            {
                if (_closed || (_pending.First is null && _tick is null))
                {
                    _pumping = false;
                    return;
                }
                if (_tick is { } tick)
                {
                    // The tick first: it is at most one, and tokens streaming in the queue must not hold the screen back.
                    push = new Push(null, _tickShared ?? new Message(nameof(ILiveClient.tick), [tick.ToJson()]), _tickBytes, _tickQueuedAt);
                    _tick = null;
                    _tickShared = null;
                    _bytes -= _tickBytes;
                    _tickBytes = 0;
                }
                else
                {
                    push = _pending.First!.Value;
                    _pending.RemoveFirst();
                    if (push.Key is not null) _keyed.Remove(push.Key);
                    _bytes -= push.Bytes;
                }
            }
            try
            {
                await connection.WriteAsync(push.Message.Serialized);
                LiveTelemetry.PushDelay.Record(System.Diagnostics.Stopwatch.GetElapsedTime(push.QueuedAt).TotalSeconds);
            }
            catch (Exception ex)
            {
                Log.SendFailed(logger, ConnectionId, ex);
                Close();
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Dashboard connection {Connection} fell {Bytes} bytes behind; it is closed and will reconnect with a fresh snapshot.")]
        public static partial void Overflow(ILogger logger, string connection, long bytes);

        [LoggerMessage(2, LogLevel.Debug, "A push to dashboard connection {Connection} failed; its queue is dropped.")]
        public static partial void SendFailed(ILogger logger, string connection, Exception ex);
    }
}

using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LiveOrleans.Api.Live;

/// <summary>
/// The pushes waiting for one dashboard connection, written by a pump of its own so a slow browser holds back only
/// itself. Pushes with a key (a figure, a session's card) replace a waiting one with the same key, in place: a
/// browser that falls behind gets the latest figures, not every stale one. The rest (activity, alerts, messages,
/// tokens) wait in order. Past its byte bound the connection is closed, so a stalled browser cannot grow the
/// engine's memory; it reconnects and takes a fresh snapshot.
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
            if (_bytes > maxBytes)
            {
                Log.Overflow(logger, ConnectionId, _bytes);
                Close();
                connection.Abort();
                return;
            }
            start = !_pumping;
            _pumping = true;
        }
        if (start) _ = PumpAsync();
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _pending.Clear();
            _keyed.Clear();
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
                if (_pending.First is not { } first || _closed)
                {
                    _pumping = false;
                    return;
                }
                push = first.Value;
                _pending.RemoveFirst();
                if (push.Key is not null) _keyed.Remove(push.Key);
                _bytes -= push.Bytes;
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

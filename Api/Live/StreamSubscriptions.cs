using System.Collections.Concurrent;
using LiveOrleans.Live;
using Orleans.Streams;

namespace LiveOrleans.Api.Live;

/// <summary>
/// This host's subscriptions to Orleans streams, one per stream however many parts of the host listen to it: the
/// first listener subscribes, the last one to leave unsubscribes. Items go to the listeners in the order the
/// stream delivers them; listeners only queue them (they run on the stream's delivery).
/// </summary>
public sealed partial class StreamSubscriptions(IClusterClient client, ILogger<StreamSubscriptions> logger)
{
    private readonly ConcurrentDictionary<StreamId, Subscription> _subscriptions = new();
    private readonly IClusterClient _client = client;
    private readonly ILogger _logger = logger;

    /// <summary>Listens to a tenant's stream until the returned handle is disposed.</summary>
    public Task<IAsyncDisposable> ListenAsync(string tenant, Action<TenantStreamItem> listener)
        => ListenAsync(StreamId.Create(LiveStreams.Tenant, tenant), item => listener((TenantStreamItem)item), typeof(TenantStreamItem));

    /// <summary>Listens to a session's watch stream until the returned handle is disposed.</summary>
    public Task<IAsyncDisposable> ListenToSessionAsync(string tenant, string sessionId, Action<WatchItem> listener)
        => ListenAsync(StreamId.Create(LiveStreams.Session, LiveKeys.Of(tenant, sessionId)), item => listener((WatchItem)item), typeof(WatchItem));

    private async Task<IAsyncDisposable> ListenAsync(StreamId id, Action<object> listener, Type itemType)
    {
        while (true)
        {
            var subscription = _subscriptions.GetOrAdd(id, key => new Subscription(this, key, itemType));
            if (await subscription.AddAsync(listener)) return new Listening(subscription, listener);
            // It was closing as we joined: a new one takes its place.
            _subscriptions.TryRemove(new KeyValuePair<StreamId, Subscription>(id, subscription));
        }
    }

    private sealed class Listening(Subscription subscription, Action<object> listener) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? new ValueTask(subscription.RemoveAsync(listener)) : ValueTask.CompletedTask;
    }

    private sealed class Subscription(StreamSubscriptions owner, StreamId id, Type itemType)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly List<Action<object>> _listeners = [];
        private Action<object>[] _snapshot = [];
        private Func<Task>? _unsubscribe;
        private bool _closed;

        public async Task<bool> AddAsync(Action<object> listener)
        {
            await _gate.WaitAsync();
            try
            {
                if (_closed) return false;
                if (_unsubscribe is null) _unsubscribe = await SubscribeAsync();
                _listeners.Add(listener);
                _snapshot = [.. _listeners];
                return true;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task RemoveAsync(Action<object> listener)
        {
            await _gate.WaitAsync();
            try
            {
                _listeners.Remove(listener);
                _snapshot = [.. _listeners];
                if (_listeners.Count > 0 || _unsubscribe is null) return;
                _closed = true;
                owner._subscriptions.TryRemove(new KeyValuePair<StreamId, Subscription>(id, this));
                try
                {
                    await _unsubscribe();
                }
                catch (Exception ex)
                {
                    Log.UnsubscribeFailed(owner._logger, id.ToString(), ex);
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task<Func<Task>> SubscribeAsync()
        {
            var provider = owner._client.GetStreamProvider(LiveStreams.Provider);
            if (itemType == typeof(TenantStreamItem))
            {
                var handle = await provider.GetStream<TenantStreamItem>(id).SubscribeAsync((item, _) => Deliver(item));
                return handle.UnsubscribeAsync;
            }
            var watch = await provider.GetStream<WatchItem>(id).SubscribeAsync((item, _) => Deliver(item));
            return watch.UnsubscribeAsync;
        }

        private Task Deliver(object item)
        {
            foreach (var listener in _snapshot)
            {
                try
                {
                    listener(item);
                }
                catch (Exception ex)
                {
                    Log.ListenerFailed(owner._logger, id.ToString(), ex);
                }
            }
            return Task.CompletedTask;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A listener of stream {Stream} failed on an item.")]
        public static partial void ListenerFailed(ILogger logger, string stream, Exception ex);

        [LoggerMessage(2, LogLevel.Warning, "Unsubscribing from stream {Stream} failed.")]
        public static partial void UnsubscribeFailed(ILogger logger, string stream, Exception ex);
    }
}

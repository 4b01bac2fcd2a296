using System.Collections.Concurrent;
using LiveOrleans.Grains;
using LiveOrleans.Runtime;

namespace LiveOrleans.Api.Live;

/// <summary>Where partitions hand their notifications; the push loop takes them. Never blocks a partition.</summary>
public sealed class LiveNotificationQueue : INotificationSink
{
    private readonly ConcurrentQueue<LiveNotification> _queue = new();

    public void OnPublished(IReadOnlyList<object> notifications)
    {
        foreach (var n in notifications)
        {
            if (n is LiveNotification live) _queue.Enqueue(live);
        }
    }

    public bool TryTake(out LiveNotification notification) => _queue.TryDequeue(out notification!);
}

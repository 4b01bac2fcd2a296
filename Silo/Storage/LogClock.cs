using System.Diagnostics;

namespace LiveOrleans.Storage;

/// <summary>
/// When log positions were committed: samples of (time, last committed position), so a derived grain can learn a
/// position whose entries are all at least some margin old (see <see cref="Grains.Log.IEventLog.StablePosition"/>).
/// Real time (not the Api's clock, which tests move).
/// </summary>
internal sealed class LogClock
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(15);
    private readonly Lock _lock = new();
    private readonly Queue<(long Ticks, long Position)> _samples = new();
    private readonly long _startPosition;
    private long _lastTicks;
    private long _lastPosition;

    /// <param name="startPosition">The highest position stored when the process opened the log: all of it is older than this process.</param>
    public LogClock(long startPosition)
    {
        _startPosition = startPosition;
        _lastPosition = startPosition;
    }

    /// <summary>Called after each commit with the highest position it stored.</summary>
    public void Committed(long position)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (position <= _lastPosition) return;
            _lastPosition = position;
            if (_samples.Count > 0 && Stopwatch.GetElapsedTime(_lastTicks, now) < Resolution)
            {
                // Not sampled: until the next sample, the older one answers for it, which only makes the answer lower (safe).
                return;
            }
            _samples.Enqueue((now, position));
            _lastTicks = now;
            while (_samples.Count > 1 && Stopwatch.GetElapsedTime(_samples.Peek().Ticks, now) > Horizon) _samples.Dequeue();
        }
    }

    public long StablePosition(TimeSpan margin)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            var stable = _startPosition;
            foreach (var (ticks, position) in _samples)
            {
                if (Stopwatch.GetElapsedTime(ticks, now) < margin) break;
                stable = position;
            }
            return stable;
        }
    }
}

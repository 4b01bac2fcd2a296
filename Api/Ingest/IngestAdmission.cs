namespace LiveOrleans.Api.Ingest;

/// <summary>
/// How many events this node lets into the engine at once. By Little's law the events in flight are the rate times
/// the time each one waits, so holding them to the recent completion rate times <see cref="IngestOptions.TargetLatency"/>
/// keeps an accepted batch's wait near the target while the engine still works at its full rate — on whatever
/// machine, without a figure to tune. The bound is kept between <see cref="IngestOptions.MinEventsInFlight"/> (so a
/// quiet start can grow) and <see cref="IngestOptions.MaxEventsInFlight"/>. A batch beyond it is refused before
/// any work is done on it.
/// </summary>
public sealed class IngestAdmission(IngestOptions options, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);
    private readonly Lock _lock = new();
    private int _inFlight;
    private long _completed;
    private long _windowStart = (clock ?? TimeProvider.System).GetTimestamp();
    private double _rate;
    private int _limit = Math.Min(options.MinEventsInFlight, options.MaxEventsInFlight);

    /// <summary>Events taken and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The bound now.</summary>
    public int Limit => Volatile.Read(ref _limit);

    /// <summary>Takes the batch in, unless it would pass the bound; a batch alone is always taken.</summary>
    public bool TryEnter(int events)
    {
        var waiting = Interlocked.Add(ref _inFlight, events);
        if (waiting <= Limit || waiting == events) return true;
        Interlocked.Add(ref _inFlight, -events);
        return false;
    }

    /// <summary>The batch was answered (stored or not).</summary>
    public void Exit(int events)
    {
        Interlocked.Add(ref _inFlight, -events);
        Interlocked.Add(ref _completed, events);
        var elapsed = _clock.GetElapsedTime(Volatile.Read(ref _windowStart));
        if (elapsed < Window) return;
        lock (_lock)
        {
            elapsed = _clock.GetElapsedTime(_windowStart);
            if (elapsed < Window) return;
            _windowStart = _clock.GetTimestamp();
            var rate = Interlocked.Exchange(ref _completed, 0) / elapsed.TotalSeconds;
            // Smoothed over about a second of windows, so one slow commit does not halve the bound.
            _rate = _rate == 0 ? rate : 0.75 * _rate + 0.25 * rate;
            var bound = Math.Max(_rate * options.TargetLatency.TotalSeconds, options.MinEventsInFlight);
            Volatile.Write(ref _limit, (int)Math.Min(bound, options.MaxEventsInFlight));
        }
    }
}

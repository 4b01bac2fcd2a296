namespace LiveOrleans.Views.Index;

/// <summary>
/// Slots filed by a time (a start, an end, a reply): a bitmap per minute, and per hour when ranges may be long, so a
/// range of times costs the bitmaps of the buckets it spans (at most two partial hours' minutes and the hours between),
/// not the slots. Only the members of the partial minutes at its ends need an exact look. Minute buckets also keep a
/// count and a sum of what was filed (the replies' response times), so an unfiltered total needs no slot at all.
/// </summary>
internal sealed class TimeBuckets
{
    private const long Minute = TimeSpan.TicksPerMinute;
    private readonly SortedList<long, Bucket> _minutes;
    private readonly SortedList<long, Bucket>? _hours;

    public TimeBuckets(bool hours)
    {
        _minutes = [];
        _hours = hours ? [] : null;
    }

    private TimeBuckets(SortedList<long, Bucket> minutes, SortedList<long, Bucket>? hours) => (_minutes, _hours) = (minutes, hours);

    /// <summary>Files a slot under the minute of <paramref name="ticks"/> (once per slot and minute: the caller groups).</summary>
    public void Add(int slot, long ticks, int count = 0, long sum = 0)
    {
        var minute = Bucket.Get(_minutes, ticks / Minute);
        minute.Slots.Add(slot);
        minute.Count += count;
        minute.Sum += sum;
        if (_hours is not null) Bucket.Get(_hours, ticks / Minute / 60).Slots.Add(slot);
    }

    public void Remove(int slot, long ticks, int count = 0, long sum = 0)
    {
        var key = ticks / Minute;
        var minute = _minutes[key];
        minute.Slots.Remove(slot);
        minute.Count -= count;
        minute.Sum -= sum;
        if (minute.Slots.IsEmpty) _minutes.Remove(key);
        if (_hours is not null)
        {
            var hour = _hours[key / 60];
            hour.Slots.Remove(slot);
            if (hour.Slots.IsEmpty) _hours.Remove(key / 60);
        }
    }

    /// <summary>
    /// The slots filed at times in [<paramref name="from"/>, <paramref name="to"/>] (ticks, both included): those surely
    /// inside in <paramref name="sure"/>, those of the partial minutes at the ends (which may be outside) in
    /// <paramref name="edge"/>; the count and sum of the minutes wholly inside in the answer.
    /// </summary>
    public (int Count, long Sum) Collect(long from, long to, CompactBitmap sure, CompactBitmap edge)
    {
        from = Math.Max(from, 0);
        if (from > to) return (0, 0);
        var first = from / Minute;
        var last = to / Minute;
        // Whole minutes [m0, m1]; the partial ones at the ends go to the edge.
        var m0 = from % Minute == 0 ? first : first + 1;
        var m1 = (to + 1) % Minute == 0 ? last : last - 1;
        if (m0 != first && _minutes.TryGetValue(first, out var head)) edge.UnionWith(head.Slots);
        if (m1 != last && (last != first || m0 == first) && _minutes.TryGetValue(last, out var tail)) edge.UnionWith(tail.Slots);
        if (m0 > m1) return (0, 0);
        int count = 0;
        long sum = 0;
        if (_hours is null || m1 - m0 < 120) return AddMinutes(m0, m1, sure);
        // Whole hours [h0, h1] from the hour bitmaps, the minutes around them from the minutes'.
        var h0 = (m0 + 59) / 60;
        var h1 = (m1 + 1) / 60 - 1;
        (count, sum) = AddMinutes(m0, h0 * 60 - 1, sure);
        var (c, s) = AddMinutes((h1 + 1) * 60, m1, sure);
        for (var i = LowerBound(_hours, h0); i < _hours.Count && _hours.Keys[i] <= h1; i++) sure.UnionWith(_hours.Values[i].Slots);
        // Hour buckets carry no count: the callers that need counts use minute ranges (the metrics window).
        return (count + c, sum + s);
    }

    private (int Count, long Sum) AddMinutes(long m0, long m1, CompactBitmap sure)
    {
        int count = 0;
        long sum = 0;
        for (var i = LowerBound(_minutes, m0); i < _minutes.Count && _minutes.Keys[i] <= m1; i++)
        {
            var bucket = _minutes.Values[i];
            sure.UnionWith(bucket.Slots);
            count += bucket.Count;
            sum += bucket.Sum;
        }
        return (count, sum);
    }

    private static int LowerBound(SortedList<long, Bucket> list, long key)
    {
        var keys = list.Keys;
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (keys[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Bytes of the buckets' bitmaps.</summary>
    public long Bytes() => _minutes.Values.Sum(b => b.Slots.Bytes()) + (_hours?.Values.Sum(b => b.Slots.Bytes()) ?? 0);

    /// <summary>
    /// Buckets filled at once: slots come in increasing order, so each bucket's bitmap grows at its end; the buckets
    /// are sorted once at the end. Counts and sums add up in the order <see cref="Add"/> would have added them.
    /// </summary>
    public sealed class Builder(bool hours)
    {
        private readonly Dictionary<long, Bucket> _minutes = [];
        private readonly Dictionary<long, Bucket>? _hours = hours ? [] : null;

        /// <summary>Files a slot as <see cref="TimeBuckets.Add"/> does; slots in increasing order (a slot's times together).</summary>
        public void Add(int slot, long ticks, int count = 0, long sum = 0)
        {
            var minute = Get(_minutes, ticks / Minute);
            if (minute.Last != slot) minute.Append(slot);
            minute.Count += count;
            minute.Sum += sum;
            if (_hours is not null)
            {
                var hour = Get(_hours, ticks / Minute / 60);
                if (hour.Last != slot) hour.Append(slot);
            }
        }

        public TimeBuckets Build() => new(new SortedList<long, Bucket>(_minutes), _hours is null ? null : new SortedList<long, Bucket>(_hours));

        private static Bucket Get(Dictionary<long, Bucket> buckets, long key)
        {
            if (!buckets.TryGetValue(key, out var bucket)) buckets.Add(key, bucket = new Bucket());
            return bucket;
        }
    }

    private sealed class Bucket
    {
        public readonly CompactBitmap Slots = new();
        public int Count;
        public long Sum;

        /// <summary>The slot a builder appended last (-1: none).</summary>
        public int Last = -1;

        public void Append(int slot)
        {
            Slots.AddLast(slot);
            Last = slot;
        }

        public static Bucket Get(SortedList<long, Bucket> list, long key)
        {
            if (!list.TryGetValue(key, out var bucket)) list.Add(key, bucket = new Bucket());
            return bucket;
        }
    }
}

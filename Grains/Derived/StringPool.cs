using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace LiveOrleans.Grains.Derived;

/// <summary>
/// One instance of each value that repeats across a grain's many rows (agent, team, owner and channel ids): every
/// deserialized row brings its own copy, ~40 bytes each, a million times over in a large shard. Thread-safe (a load
/// settles rows on several threads); bounded, past which values are kept as they came.
/// </summary>
public sealed class StringPool(int capacity = StringPool.DefaultCapacity)
{
    public const int DefaultCapacity = 16_384;
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);

    // Kept apart: ConcurrentDictionary.Count takes every lock of the dictionary, and a full pool asks on every miss.
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>The pool's instance of <paramref name="value"/> (it becomes that instance when new and the pool has room).</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public string? Share(string? value)
    {
        if (value is null) return null;
        if (_values.TryGetValue(value, out var shared)) return shared;
        if (Volatile.Read(ref _count) >= capacity) return value;
        if (!_values.TryAdd(value, value)) return _values.TryGetValue(value, out shared) ? shared : value;
        Interlocked.Increment(ref _count);
        return value;
    }
}

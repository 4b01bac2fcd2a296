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

    public int Count => _values.Count;

    /// <summary>The pool's instance of <paramref name="value"/> (it becomes that instance when new and the pool has room).</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public string? Share(string? value)
    {
        if (value is null) return null;
        if (_values.TryGetValue(value, out var shared)) return shared;
        return _values.Count >= capacity ? value : _values.GetOrAdd(value, value);
    }
}

using System.Numerics;

namespace LiveOrleans.Views.Index;

/// <summary>
/// A compressed set of non-negative ints (the live index's slots), after the Roaring layout: one chunk per high 16 bits,
/// a sorted <see cref="ushort"/> array while it holds up to <see cref="ArrayMax"/> values, a 1024-word bitset beyond.
/// A sparse set costs 2 bytes a value, a dense one 1 bit a possible value; set operations cost by chunks, not values.
/// </summary>
public sealed class CompactBitmap
{
    internal const int ArrayMax = 4096;
    private const int Words = 1024;

    private ushort[] _keys;
    private Chunk[] _chunks;
    private int _size;

    public CompactBitmap()
    {
        _keys = [];
        _chunks = [];
    }

    private CompactBitmap(int capacity)
    {
        _keys = new ushort[capacity];
        _chunks = new Chunk[capacity];
    }

    /// <summary>The set of <paramref name="ascending"/> (strictly increasing, non-negative), built a chunk at a time: no search, no value moved.</summary>
    public static CompactBitmap FromAscending(ReadOnlySpan<int> ascending)
    {
        var result = new CompactBitmap();
        var start = 0;
        while (start < ascending.Length)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(ascending[start]);
            var high = ascending[start] >> 16;
            var end = start + 1;
            while (end < ascending.Length && ascending[end] >> 16 == high)
            {
                if (ascending[end] <= ascending[end - 1]) throw new ArgumentException("The values are not strictly increasing.", nameof(ascending));
                end++;
            }
            if (end < ascending.Length && ascending[end] <= ascending[end - 1]) throw new ArgumentException("The values are not strictly increasing.", nameof(ascending));
            result.Append((ushort)high, Chunk.FromAscending(ascending[start..end]));
            start = end;
        }
        return result;
    }

    /// <summary>Adds a value greater than every value held, in constant time (a bulk build's appends, which come in order).</summary>
    internal void AddLast(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var key = (ushort)(value >> 16);
        if (_size == 0 || _keys[_size - 1] != key)
        {
            if (_size > 0 && _keys[_size - 1] > key) throw new ArgumentException("Not greater than the values held.", nameof(value));
            Append(key, new Chunk());
        }
        if (!_chunks[_size - 1].AddLast((ushort)value)) throw new ArgumentException("Not greater than the values held.", nameof(value));
        Cardinality++;
    }

    /// <summary>Moves the values of <paramref name="later"/>, all greater than this set's, to its end; <paramref name="later"/> is not to be used again (its chunks are taken over).</summary>
    internal void AppendAll(CompactBitmap later)
    {
        for (var j = 0; j < later._size; j++)
        {
            var key = later._keys[j];
            if (_size > 0 && _keys[_size - 1] == key)
            {
                var before = _chunks[_size - 1].Count;
                _chunks[_size - 1] = Chunk.OrInPlace(_chunks[_size - 1], later._chunks[j]);
                Cardinality += _chunks[_size - 1].Count - before;
            }
            else
            {
                if (_size > 0 && _keys[_size - 1] > key) throw new ArgumentException("Not greater than the values held.", nameof(later));
                Append(key, later._chunks[j]);
            }
        }
    }

    /// <summary>How many values the set holds.</summary>
    public int Cardinality { get; private set; }

    public bool IsEmpty => Cardinality == 0;

    public bool Contains(int value)
    {
        var i = Find((ushort)(value >> 16));
        return i >= 0 && _chunks[i].Contains((ushort)value);
    }

    /// <summary>Adds a value; false when it was there.</summary>
    public bool Add(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var key = (ushort)(value >> 16);
        var i = Find(key);
        if (i < 0)
        {
            i = ~i;
            Insert(i, key, new Chunk());
        }
        if (!_chunks[i].Add((ushort)value)) return false;
        Cardinality++;
        return true;
    }

    /// <summary>Removes a value; false when it was not there.</summary>
    public bool Remove(int value)
    {
        if (value < 0) return false;
        var i = Find((ushort)(value >> 16));
        if (i < 0 || !_chunks[i].Remove((ushort)value)) return false;
        Cardinality--;
        if (_chunks[i].Count == 0) RemoveAt(i);
        return true;
    }

    public CompactBitmap Clone()
    {
        var copy = new CompactBitmap(_size) { _size = _size, Cardinality = Cardinality };
        Array.Copy(_keys, copy._keys, _size);
        for (var i = 0; i < _size; i++) copy._chunks[i] = _chunks[i].Clone();
        return copy;
    }

    /// <summary>The values in increasing order.</summary>
    public IEnumerable<int> Values()
    {
        for (var i = 0; i < _size; i++)
        {
            var high = _keys[i] << 16;
            var chunk = _chunks[i];
            if (chunk.Bits is { } bits)
            {
                for (var w = 0; w < Words; w++)
                {
                    var word = bits[w];
                    while (word != 0)
                    {
                        yield return high | (w << 6) | BitOperations.TrailingZeroCount(word);
                        word &= word - 1;
                    }
                }
            }
            else
            {
                for (var j = 0; j < chunk.Count; j++) yield return high | chunk.Values![j];
            }
        }
    }

    public static CompactBitmap And(CompactBitmap a, CompactBitmap b)
    {
        var result = new CompactBitmap(Math.Min(a._size, b._size));
        int i = 0, j = 0;
        while (i < a._size && j < b._size)
        {
            if (a._keys[i] < b._keys[j]) i++;
            else if (a._keys[i] > b._keys[j]) j++;
            else
            {
                var chunk = Chunk.And(a._chunks[i], b._chunks[j]);
                if (chunk.Count > 0) result.Append(a._keys[i], chunk);
                i++;
                j++;
            }
        }
        return result;
    }

    /// <summary>|a ∩ b| without building it.</summary>
    public static int AndCardinality(CompactBitmap a, CompactBitmap b)
    {
        int i = 0, j = 0, count = 0;
        while (i < a._size && j < b._size)
        {
            if (a._keys[i] < b._keys[j]) i++;
            else if (a._keys[i] > b._keys[j]) j++;
            else count += Chunk.AndCount(a._chunks[i++], b._chunks[j++]);
        }
        return count;
    }

    public static CompactBitmap Or(CompactBitmap a, CompactBitmap b)
    {
        var result = new CompactBitmap(a._size + b._size);
        int i = 0, j = 0;
        while (i < a._size || j < b._size)
        {
            if (j == b._size || (i < a._size && a._keys[i] < b._keys[j])) { result.Append(a._keys[i], a._chunks[i].Clone()); i++; }
            else if (i == a._size || a._keys[i] > b._keys[j]) { result.Append(b._keys[j], b._chunks[j].Clone()); j++; }
            else result.Append(a._keys[i], Chunk.Or(a._chunks[i++], b._chunks[j++]));
        }
        return result;
    }

    /// <summary>a \ b.</summary>
    public static CompactBitmap AndNot(CompactBitmap a, CompactBitmap b)
    {
        var result = new CompactBitmap(a._size);
        int i = 0, j = 0;
        while (i < a._size)
        {
            if (j == b._size || a._keys[i] < b._keys[j]) { result.Append(a._keys[i], a._chunks[i].Clone()); i++; }
            else if (a._keys[i] > b._keys[j]) j++;
            else
            {
                var chunk = Chunk.AndNot(a._chunks[i], b._chunks[j]);
                if (chunk.Count > 0) result.Append(a._keys[i], chunk);
                i++;
                j++;
            }
        }
        return result;
    }

    /// <summary>Adds every value of <paramref name="other"/> to this set, in place: chunks <paramref name="other"/> lacks are not copied.</summary>
    public void UnionWith(CompactBitmap other)
    {
        if (ReferenceEquals(this, other)) return;
        for (var j = 0; j < other._size; j++)
        {
            var key = other._keys[j];
            var i = Find(key);
            if (i < 0)
            {
                var chunk = other._chunks[j].Clone();
                Insert(~i, key, chunk);
                Cardinality += chunk.Count;
            }
            else
            {
                var before = _chunks[i].Count;
                _chunks[i] = Chunk.OrInPlace(_chunks[i], other._chunks[j]);
                Cardinality += _chunks[i].Count - before;
            }
        }
    }

    /// <summary>Bytes the set's arrays hold (keys, chunk headers and their values), for the memory figures.</summary>
    public long Bytes()
    {
        long bytes = 2L * _keys.Length + 8L * _chunks.Length + 24;
        for (var i = 0; i < _size; i++) bytes += 24 + (_chunks[i].Bits is not null ? 8 * Words : 2L * _chunks[i].Values!.Length);
        return bytes;
    }

    private void Append(ushort key, Chunk chunk)
    {
        if (_size == _keys.Length) Grow();
        _keys[_size] = key;
        _chunks[_size++] = chunk;
        Cardinality += chunk.Count;
    }

    private int Find(ushort key)
    {
        // Most sets have a few chunks: a linear scan from the end beats a search for them.
        if (_size <= 8)
        {
            for (var i = 0; i < _size; i++)
            {
                if (_keys[i] == key) return i;
                if (_keys[i] > key) return ~i;
            }
            return ~_size;
        }
        return Array.BinarySearch(_keys, 0, _size, key);
    }

    private void Insert(int index, ushort key, Chunk chunk)
    {
        if (_size == _keys.Length) Grow();
        Array.Copy(_keys, index, _keys, index + 1, _size - index);
        Array.Copy(_chunks, index, _chunks, index + 1, _size - index);
        _keys[index] = key;
        _chunks[index] = chunk;
        _size++;
    }

    private void RemoveAt(int index)
    {
        _size--;
        Array.Copy(_keys, index + 1, _keys, index, _size - index);
        Array.Copy(_chunks, index + 1, _chunks, index, _size - index);
        _chunks[_size] = null!;
    }

    private void Grow()
    {
        var capacity = Math.Max(4, _keys.Length * 2);
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _chunks, capacity);
    }

    /// <summary>The low 16 bits of the values of one high key: a sorted array, or a bitset when more than <see cref="ArrayMax"/>.</summary>
    private sealed class Chunk
    {
        public ushort[]? Values;
        public ulong[]? Bits;
        public int Count;

        public Chunk() => Values = new ushort[4];

        private Chunk(ushort[]? values, ulong[]? bits, int count) => (Values, Bits, Count) = (values, bits, count);

        public Chunk Clone() => Bits is not null
            ? new Chunk(null, (ulong[])Bits.Clone(), Count)
            : new Chunk(Values.AsSpan(0, Count).ToArray(), null, Count);

        /// <summary>A chunk of strictly increasing values of one high key.</summary>
        public static Chunk FromAscending(ReadOnlySpan<int> values)
        {
            if (values.Length > ArrayMax)
            {
                var bits = new ulong[Words];
                foreach (var v in values) bits[(v & 0xFFFF) >> 6] |= 1UL << v;
                return new Chunk(null, bits, values.Length);
            }
            var lows = new ushort[Math.Max(4, values.Length)];
            for (var i = 0; i < values.Length; i++) lows[i] = (ushort)values[i];
            return new Chunk(lows, null, values.Length);
        }

        /// <summary>Adds a value above every value held; false when it is not.</summary>
        public bool AddLast(ushort low)
        {
            if (Bits is not null)
            {
                // Checked within the value's word only (a full check would scan the words above it): callers append in order.
                ref var word = ref Bits[low >> 6];
                if (word >> (low & 63) != 0) return false;
                word |= 1UL << low;
                Count++;
                return true;
            }
            if (Count > 0 && Values![Count - 1] >= low) return false;
            if (Count == ArrayMax)
            {
                ToBits();
                Bits![low >> 6] |= 1UL << low;
                Count++;
                return true;
            }
            if (Count == Values!.Length) Array.Resize(ref Values, Math.Min(ArrayMax, Count * 2));
            Values[Count++] = low;
            return true;
        }

        public bool Contains(ushort low)
            => Bits is not null ? (Bits[low >> 6] & (1UL << low)) != 0 : Values.AsSpan(0, Count).BinarySearch(low) >= 0;

        public bool Add(ushort low)
        {
            if (Bits is not null)
            {
                ref var word = ref Bits[low >> 6];
                var bit = 1UL << low;
                if ((word & bit) != 0) return false;
                word |= bit;
                Count++;
                return true;
            }
            var i = Values.AsSpan(0, Count).BinarySearch(low);
            if (i >= 0) return false;
            i = ~i;
            if (Count == ArrayMax)
            {
                ToBits();
                return Add(low);
            }
            if (Count == Values!.Length) Array.Resize(ref Values, Math.Min(ArrayMax, Count * 2));
            Array.Copy(Values, i, Values, i + 1, Count - i);
            Values[i] = low;
            Count++;
            return true;
        }

        public bool Remove(ushort low)
        {
            if (Bits is not null)
            {
                ref var word = ref Bits[low >> 6];
                var bit = 1UL << low;
                if ((word & bit) == 0) return false;
                word &= ~bit;
                if (--Count <= ArrayMax / 2) ToArray(); // not at ArrayMax: a set hovering there would convert at every change
                return true;
            }
            var i = Values.AsSpan(0, Count).BinarySearch(low);
            if (i < 0) return false;
            Count--;
            Array.Copy(Values!, i + 1, Values!, i, Count - i);
            if (Count < Values!.Length / 4 && Values.Length > 16) Array.Resize(ref Values, Values.Length / 2);
            return true;
        }

        private void ToBits()
        {
            var bits = new ulong[Words];
            for (var i = 0; i < Count; i++) bits[Values![i] >> 6] |= 1UL << Values[i];
            Bits = bits;
            Values = null;
        }

        private void ToArray()
        {
            var values = new ushort[Math.Max(4, Count)];
            var n = 0;
            for (var w = 0; w < Words; w++)
            {
                var word = Bits![w];
                while (word != 0)
                {
                    values[n++] = (ushort)((w << 6) | BitOperations.TrailingZeroCount(word));
                    word &= word - 1;
                }
            }
            Values = values;
            Bits = null;
        }

        /// <summary>A chunk of a bitset's words, as an array when few enough.</summary>
        private static Chunk FromBits(ulong[] bits)
        {
            var count = 0;
            for (var w = 0; w < Words; w++) count += BitOperations.PopCount(bits[w]);
            var chunk = new Chunk(null, bits, count);
            if (count <= ArrayMax) chunk.ToArray();
            return chunk;
        }

        public static Chunk And(Chunk a, Chunk b)
        {
            if (a.Bits is not null && b.Bits is not null)
            {
                var bits = new ulong[Words];
                for (var w = 0; w < Words; w++) bits[w] = a.Bits[w] & b.Bits[w];
                return FromBits(bits);
            }
            if (a.Bits is not null) (a, b) = (b, a);
            var values = new ushort[Math.Max(1, Math.Min(a.Count, b.Count))];
            var n = 0;
            if (b.Bits is not null)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    var v = a.Values![i];
                    if ((b.Bits[v >> 6] & (1UL << v)) != 0) values[n++] = v;
                }
            }
            else
            {
                int i = 0, j = 0;
                while (i < a.Count && j < b.Count)
                {
                    if (a.Values![i] < b.Values![j]) i++;
                    else if (a.Values[i] > b.Values[j]) j++;
                    else { values[n++] = a.Values[i]; i++; j++; }
                }
            }
            return new Chunk(values, null, n);
        }

        public static int AndCount(Chunk a, Chunk b)
        {
            var n = 0;
            if (a.Bits is not null && b.Bits is not null)
            {
                for (var w = 0; w < Words; w++) n += BitOperations.PopCount(a.Bits[w] & b.Bits[w]);
                return n;
            }
            if (a.Bits is not null) (a, b) = (b, a);
            if (b.Bits is not null)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    var v = a.Values![i];
                    if ((b.Bits[v >> 6] & (1UL << v)) != 0) n++;
                }
                return n;
            }
            int x = 0, y = 0;
            while (x < a.Count && y < b.Count)
            {
                if (a.Values![x] < b.Values![y]) x++;
                else if (a.Values[x] > b.Values[y]) y++;
                else { n++; x++; y++; }
            }
            return n;
        }

        public static Chunk Or(Chunk a, Chunk b)
        {
            if (a.Bits is null && b.Bits is null && a.Count + b.Count <= ArrayMax)
            {
                var values = new ushort[Math.Max(4, a.Count + b.Count)];
                int i = 0, j = 0, n = 0;
                while (i < a.Count || j < b.Count)
                {
                    if (j == b.Count || (i < a.Count && a.Values![i] < b.Values![j])) values[n++] = a.Values![i++];
                    else if (i == a.Count || a.Values![i] > b.Values![j]) values[n++] = b.Values![j++];
                    else { values[n++] = a.Values[i++]; j++; }
                }
                return new Chunk(values, null, n);
            }
            var bits = new ulong[Words];
            foreach (var c in (ReadOnlySpan<Chunk>)[a, b])
            {
                if (c.Bits is not null)
                {
                    for (var w = 0; w < Words; w++) bits[w] |= c.Bits[w];
                }
                else
                {
                    for (var i = 0; i < c.Count; i++) bits[c.Values![i] >> 6] |= 1UL << c.Values[i];
                }
            }
            return FromBits(bits);
        }

        /// <summary>a ∪ b, reusing a's bitset when it has one.</summary>
        public static Chunk OrInPlace(Chunk a, Chunk b)
        {
            if (a.Bits is null) return Or(a, b);
            var bits = a.Bits;
            var count = 0;
            if (b.Bits is not null)
            {
                for (var w = 0; w < Words; w++) count += BitOperations.PopCount(bits[w] |= b.Bits[w]);
                a.Count = count;
            }
            else
            {
                for (var i = 0; i < b.Count; i++)
                {
                    ref var word = ref bits[b.Values![i] >> 6];
                    var bit = 1UL << b.Values[i];
                    if ((word & bit) == 0) { word |= bit; a.Count++; }
                }
            }
            return a;
        }

        public static Chunk AndNot(Chunk a, Chunk b)
        {
            if (a.Bits is not null)
            {
                var bits = (ulong[])a.Bits.Clone();
                if (b.Bits is not null)
                {
                    for (var w = 0; w < Words; w++) bits[w] &= ~b.Bits[w];
                }
                else
                {
                    for (var i = 0; i < b.Count; i++) bits[b.Values![i] >> 6] &= ~(1UL << b.Values[i]);
                }
                return FromBits(bits);
            }
            var values = new ushort[Math.Max(1, a.Count)];
            var n = 0;
            if (b.Bits is not null)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    var v = a.Values![i];
                    if ((b.Bits[v >> 6] & (1UL << v)) == 0) values[n++] = v;
                }
            }
            else
            {
                int i = 0, j = 0;
                while (i < a.Count)
                {
                    if (j == b.Count || a.Values![i] < b.Values![j]) values[n++] = a.Values![i++];
                    else if (a.Values[i] > b.Values[j]) j++;
                    else { i++; j++; }
                }
            }
            return new Chunk(values, null, n);
        }
    }
}

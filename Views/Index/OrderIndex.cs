namespace LiveOrleans.Views.Index;

/// <summary>
/// The slots in list order (<see cref="SessionRules.CompareForList"/>: most recent activity first, then id), as a list
/// of sorted leaves of up to <see cref="LeafMax"/> items: finding a position costs two binary searches, a change moves
/// at most a leaf's items and, when a leaf splits or empties, the leaf list's references.
/// </summary>
internal sealed class OrderIndex(Func<int, string> idOf)
{
    private const int LeafMax = 512;
    private readonly List<Leaf> _leaves = [];

    public int Count { get; private set; }

    /// <summary>How the index finds a slot's session id (a rebuilt index reads the same entries).</summary>
    public Func<int, string> IdOf => idOf;

    /// <summary>
    /// The order of the slots with these keys (arrays taken over and sorted): sorted once, by key and then by id only
    /// among equal keys, and cut into leaves three-quarters full, room for the changes to come before a leaf splits.
    /// </summary>
    public static OrderIndex Build(Func<int, string> idOf, long[] keys, int[] slots)
    {
        Array.Sort(keys, slots);
        var byId = Comparer<int>.Create((a, b) => string.CompareOrdinal(idOf(a), idOf(b)));
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start]) end++;
            if (end - start > 1) Array.Sort(slots, start, end - start, byId);
            start = end;
        }
        var order = new OrderIndex(idOf) { Count = keys.Length };
        const int fill = LeafMax * 3 / 4;
        for (var start = 0; start < keys.Length; start += fill)
        {
            var leaf = new Leaf { Count = Math.Min(fill, keys.Length - start) };
            for (var i = 0; i < leaf.Count; i++) leaf.Items[i] = new Item(keys[start + i], slots[start + i]);
            order._leaves.Add(leaf);
        }
        return order;
    }

    /// <summary>The key of an activity time: ascending keys are most recent first.</summary>
    public static long KeyOf(DateTimeOffset lastActivityAt) => -lastActivityAt.UtcTicks;

    public void Add(long key, int slot)
    {
        var id = idOf(slot);
        if (_leaves.Count == 0) _leaves.Add(new Leaf());
        var l = LeafFor(key, id);
        var leaf = _leaves[l];
        var i = leaf.Search(key, id, idOf, strict: false);
        leaf.Insert(i, new Item(key, slot));
        Count++;
        if (leaf.Count == LeafMax) _leaves.Insert(l + 1, leaf.Split());
    }

    /// <summary>Removes the slot filed under <paramref name="key"/> (the key it was added with).</summary>
    public void Remove(long key, int slot)
    {
        var id = idOf(slot);
        var l = LeafFor(key, id);
        var leaf = _leaves[l];
        var i = leaf.Search(key, id, idOf, strict: false);
        if (i >= leaf.Count || leaf.Items[i].Slot != slot) throw new InvalidOperationException($"The order index does not hold {id}.");
        leaf.RemoveAt(i);
        Count--;
        if (leaf.Count == 0) _leaves.RemoveAt(l);
        else if (leaf.Count < LeafMax / 8 && l + 1 < _leaves.Count && leaf.Count + _leaves[l + 1].Count < LeafMax / 2)
        {
            leaf.Absorb(_leaves[l + 1]);
            _leaves.RemoveAt(l + 1);
        }
    }

    /// <summary>The slots strictly after the position (key, id) in list order; all of them when <paramref name="id"/> is null.</summary>
    public IEnumerable<int> After(long key, string? id)
    {
        if (_leaves.Count == 0) yield break;
        int l = 0, i = 0;
        if (id is not null)
        {
            l = LeafFor(key, id);
            i = _leaves[l].Search(key, id, idOf, strict: true);
        }
        for (; l < _leaves.Count; l++, i = 0)
        {
            var leaf = _leaves[l];
            for (; i < leaf.Count; i++) yield return leaf.Items[i].Slot;
        }
    }

    /// <summary>The slots from the least recent activity up.</summary>
    public IEnumerable<int> FromLeastRecent()
    {
        for (var l = _leaves.Count - 1; l >= 0; l--)
        {
            var leaf = _leaves[l];
            for (var i = leaf.Count - 1; i >= 0; i--) yield return leaf.Items[i].Slot;
        }
    }

    /// <summary>The leaf where (key, id) belongs: the first whose last item is not before it, else the last leaf.</summary>
    private int LeafFor(long key, string id)
    {
        int lo = 0, hi = _leaves.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var last = _leaves[mid].Items[_leaves[mid].Count - 1];
            if (Compare(last.Key, idOf(last.Slot), key, id) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    internal static int Compare(long keyA, string idA, long keyB, string idB)
    {
        var c = keyA.CompareTo(keyB);
        return c != 0 ? c : string.CompareOrdinal(idA, idB);
    }

    private readonly record struct Item(long Key, int Slot);

    private sealed class Leaf
    {
        public Item[] Items = new Item[LeafMax];
        public int Count;

        /// <summary>The index of the first item not before (key, id), or after it when <paramref name="strict"/>.</summary>
        public int Search(long key, string id, Func<int, string> idOf, bool strict)
        {
            int lo = 0, hi = Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                var c = Compare(Items[mid].Key, idOf(Items[mid].Slot), key, id);
                if (c < 0 || (strict && c == 0)) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }

        public void Insert(int index, Item item)
        {
            Array.Copy(Items, index, Items, index + 1, Count - index);
            Items[index] = item;
            Count++;
        }

        public void RemoveAt(int index)
        {
            Count--;
            Array.Copy(Items, index + 1, Items, index, Count - index);
        }

        public Leaf Split()
        {
            var half = Count / 2;
            var next = new Leaf { Count = Count - half };
            Array.Copy(Items, half, next.Items, 0, next.Count);
            Count = half;
            return next;
        }

        public void Absorb(Leaf next)
        {
            Array.Copy(next.Items, 0, Items, Count, next.Count);
            Count += next.Count;
        }
    }
}

using LiveOrleans.Views.Index;

namespace LiveOrleans.Grains.Tests.Index;

/// <summary>The live index's compressed bitmap against <see cref="SortedSet{T}"/>: random adds and removes across the array/bitset threshold and chunk boundaries.</summary>
[Trait("Category", "unit")]
public sealed class CompactBitmapTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 24)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_changes_and_set_operations_agree_with_a_sorted_set(int seed)
    {
        var random = new Random(seed);
        // Values in a few chunks, dense enough in some of them to turn chunks into bitsets and back.
        int Value() => random.Next(4) switch
        {
            0 => random.Next(9_000),
            1 => 65_536 + random.Next(70_000),
            2 => 3 * 65_536 + random.Next(300),
            _ => random.Next(400_000),
        };
        var a = new CompactBitmap();
        var b = new CompactBitmap();
        var sa = new SortedSet<int>();
        var sb = new SortedSet<int>();
        var rounds = 4 + random.Next(4);
        for (var round = 0; round < rounds; round++)
        {
            var adds = random.Next(20_000);
            for (var i = 0; i < adds; i++)
            {
                var v = Value();
                Assert.Equal(sa.Add(v), a.Add(v));
                v = Value();
                Assert.Equal(sb.Add(v), b.Add(v));
            }
            var removes = random.Next(25_000);
            for (var i = 0; i < removes; i++)
            {
                var v = random.Next(2) == 0 && sa.Count > 0 ? sa.ElementAt(random.Next(Math.Min(sa.Count, 50))) : Value();
                Assert.Equal(sa.Remove(v), a.Remove(v));
                v = Value();
                Assert.Equal(sb.Remove(v), b.Remove(v));
            }
            Same(sa, a);
            Same(sb, b);
            for (var i = 0; i < 200; i++)
            {
                var v = Value();
                Assert.Equal(sa.Contains(v), a.Contains(v));
            }
            var and = new SortedSet<int>(sa);
            and.IntersectWith(sb);
            Same(and, CompactBitmap.And(a, b));
            Assert.Equal(and.Count, CompactBitmap.AndCardinality(a, b));
            var or = new SortedSet<int>(sa);
            or.UnionWith(sb);
            Same(or, CompactBitmap.Or(a, b));
            var andNot = new SortedSet<int>(sa);
            andNot.ExceptWith(sb);
            Same(andNot, CompactBitmap.AndNot(a, b));
            var union = a.Clone();
            union.UnionWith(b);
            Same(or, union);
            Same(sa, a); // the operations leave their operands alone
            Same(sb, b);
        }
    }

    [Fact]
    public void A_chunk_crosses_the_array_and_bitset_forms_both_ways()
    {
        var bitmap = new CompactBitmap();
        var set = new HashSet<int>();
        for (var v = 0; v < 10_000; v += 2) { bitmap.Add(v); set.Add(v); }
        Assert.Equal(5_000, bitmap.Cardinality);
        for (var v = 0; v < 10_000; v += 4) { bitmap.Remove(v); set.Remove(v); }
        Assert.Equal(set.Order(), bitmap.Values());
        foreach (var v in set.ToArray()) { Assert.True(bitmap.Remove(v)); set.Remove(v); }
        Assert.True(bitmap.IsEmpty);
        Assert.Empty(bitmap.Values());
        Assert.False(bitmap.Remove(7));
        Assert.True(bitmap.Add(int.MaxValue));
        Assert.True(bitmap.Contains(int.MaxValue));
        Assert.Equal([int.MaxValue], bitmap.Values());
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Bulk_builds_hold_the_values_given_and_change_like_any_set(int seed)
    {
        var random = new Random(seed);
        // Chunks of every form: empty, sparse, at the array's limit (4,096) and one past it, dense, full.
        var values = new SortedSet<int>();
        foreach (var high in Enumerable.Range(0, 6).Where(_ => random.Next(4) > 0))
        {
            var count = random.Next(6) switch { 0 => 1, 1 => 4_096, 2 => 4_097, 3 => 65_536, 4 => random.Next(30_000), _ => random.Next(100) };
            var lows = new HashSet<int>();
            while (lows.Count < count) lows.Add(count == 65_536 ? lows.Count : random.Next(65_536));
            foreach (var low in lows) values.Add((high << 16) | low);
        }
        if (random.Next(4) == 0) values.Add(int.MaxValue);
        var ascending = values.ToArray();

        var bulk = CompactBitmap.FromAscending(ascending);
        Same(values, bulk);
        var appended = new CompactBitmap();
        foreach (var v in ascending) appended.AddLast(v);
        Same(values, appended);
        // Two builds of a split, joined.
        var cut = random.Next(ascending.Length + 1);
        var head = CompactBitmap.FromAscending(ascending.AsSpan(0, cut));
        var tail = new CompactBitmap();
        foreach (var v in ascending.AsSpan(cut)) tail.AddLast(v);
        head.AppendAll(tail);
        Same(values, head);
        for (var i = 0; i < 500; i++)
        {
            var v = random.Next(2) == 0 && ascending.Length > 0 ? ascending[random.Next(ascending.Length)] : random.Next(7 << 16);
            Assert.Equal(values.Contains(v), bulk.Contains(v));
            Assert.Equal(values.Contains(v), head.Contains(v));
        }

        // The bulk-built sets change and combine as sets built by Add do.
        var other = new CompactBitmap();
        var otherSet = new SortedSet<int>();
        for (var i = 0; i < 5_000; i++)
        {
            var v = random.Next(7 << 16);
            other.Add(v);
            otherSet.Add(v);
        }
        foreach (var set in new[] { bulk, appended, head })
        {
            var expected = new SortedSet<int>(values);
            var and = new SortedSet<int>(expected);
            and.IntersectWith(otherSet);
            Same(and, CompactBitmap.And(set, other));
            Assert.Equal(and.Count, CompactBitmap.AndCardinality(set, other));
            var or = new SortedSet<int>(expected);
            or.UnionWith(otherSet);
            Same(or, CompactBitmap.Or(set, other));
            var andNot = new SortedSet<int>(expected);
            andNot.ExceptWith(otherSet);
            Same(andNot, CompactBitmap.AndNot(set, other));
            for (var i = 0; i < 20_000; i++)
            {
                var v = random.Next(3) == 0 && expected.Count > 0 ? ascending[random.Next(ascending.Length)] : random.Next(7 << 16);
                if (random.Next(2) == 0) Assert.Equal(expected.Add(v), set.Add(v));
                else Assert.Equal(expected.Remove(v), set.Remove(v));
            }
            Same(expected, set);
        }
    }

    [Fact]
    public void Bulk_builds_refuse_values_out_of_order()
    {
        Assert.Throws<ArgumentException>(() => CompactBitmap.FromAscending([1, 5, 5]));
        Assert.Throws<ArgumentException>(() => CompactBitmap.FromAscending([1, 70_000, 3]));
        Assert.Throws<ArgumentException>(() => CompactBitmap.FromAscending([70_000, 65_537, 70_001]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CompactBitmap.FromAscending([-1, 3]));
        Assert.True(CompactBitmap.FromAscending([]).IsEmpty);
        var bitmap = new CompactBitmap();
        bitmap.AddLast(70_000);
        Assert.Throws<ArgumentException>(() => bitmap.AddLast(70_000));
        Assert.Throws<ArgumentException>(() => bitmap.AddLast(3));
        Assert.Equal([70_000], bitmap.Values());
    }

    private static void Same(SortedSet<int> expected, CompactBitmap actual)
    {
        Assert.Equal(expected.Count, actual.Cardinality);
        Assert.Equal(expected, actual.Values());
    }
}

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

    private static void Same(SortedSet<int> expected, CompactBitmap actual)
    {
        Assert.Equal(expected.Count, actual.Cardinality);
        Assert.Equal(expected, actual.Values());
    }
}

using LiveOrleans.Views.Index;

namespace LiveOrleans.Grains.Tests.Index;

/// <summary>
/// The keyword index after any sequence of updates holds exactly the grams of its slots' texts now: compared gram by
/// gram, slot by slot, with one built afresh from those texts. (Queries alone could not tell a stale gram: a
/// candidate too many is dropped by the text check, so a gram left behind would only cost memory and time.)
/// </summary>
[Trait("Category", "unit")]
public sealed class GramIndexTests
{
    private static readonly string[] Words = ["ab", "abc", "bca", "hello", "HELLO", "refund", "x", "", "cab", "abcab", "straße", "\U00010400\U00010428"];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 60)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Updates_leave_exactly_the_grams_of_the_texts_now(int seed)
    {
        var random = new Random(seed);
        var index = new GramIndex();
        var texts = new List<string>[8];
        for (var slot = 0; slot < texts.Length; slot++) texts[slot] = [];
        for (var step = 0; step < 300; step++)
        {
            var slot = random.Next(texts.Length);
            var before = texts[slot];
            var after = Next(random, before);
            index.Update(slot, before, after);
            texts[slot] = after;
            if (step % 10 == 0 || step == 299) Assert.Equal(Fresh(texts), index.Postings().Select(p => (p.Gram, string.Join(",", p.Slots))).ToList());
        }
    }

    /// <summary>A change of an entry's texts: mostly the window's (new texts at the end, the oldest dropped), sometimes any other.</summary>
    private static List<string> Next(Random random, List<string> before)
    {
        string Text() => string.Concat(Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Words[random.Next(Words.Length)]));
        List<string> added() => [.. Enumerable.Range(0, random.Next(3)).Select(_ => Text())];
        return random.Next(8) switch
        {
            0 or 1 or 2 => [.. before, .. added()],                                              // a message
            3 or 4 => [.. before.Skip(random.Next(before.Count + 1)), .. added()],              // the window slides
            5 => [.. before.Select(t => new string(t.AsSpan()))],                               // equal, other strings
            6 => [.. before.Take(random.Next(before.Count + 1)), .. added()],                   // not a window's change
            _ => random.Next(4) == 0 ? [] : [.. added(), .. before.Where(_ => random.Next(2) == 0)],
        };
    }

    private static List<(long, string)> Fresh(List<string>[] texts)
    {
        var builder = new GramIndex.Builder();
        for (var slot = 0; slot < texts.Length; slot++) builder.Add(slot, texts[slot]);
        return [.. builder.Build().Postings().Select(p => (p.Gram, string.Join(",", p.Slots)))];
    }
}

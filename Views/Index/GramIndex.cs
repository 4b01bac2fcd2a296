namespace LiveOrleans.Views.Index;

/// <summary>
/// The keyword index: for each 1-, 2- and 3-gram of case-folded search text, the slots whose texts hold it. A keyword's
/// candidates are the slots holding all of its 3-grams (its one 1- or 2-gram when shorter), a superset of the slots
/// whose texts contain it ignoring case; <see cref="SessionEntry.Mentions"/> decides on each candidate.
/// </summary>
/// <remarks>
/// Folding is per char and must never tell apart two chars that <see cref="StringComparison.OrdinalIgnoreCase"/>
/// equates: <see cref="char.ToUpperInvariant"/>, the simple upper-case mapping ordinal comparisons use, where it gives a
/// char the comparison equates with the original (so folding never joins chars it keeps apart either); surrogates,
/// which that comparison folds by pairs, all fold to one char (more candidates, never fewer).
/// </remarks>
internal sealed class GramIndex
{
    private static readonly char[] Folding = BuildFolding();
    private readonly Dictionary<long, CompactBitmap> _grams;
    private readonly HashSet<long> _old = [];
    private readonly HashSet<long> _new = [];

    public GramIndex() => _grams = [];

    private GramIndex(Dictionary<long, CompactBitmap> grams) => _grams = grams;

    public int Grams => _grams.Count;

    public static char Fold(char c) => Folding[c];

    private static char[] BuildFolding()
    {
        var folding = new char[char.MaxValue + 1];
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var ch = (char)c;
            var upper = char.ToUpperInvariant(ch);
            // Upper case where the ordinal comparison agrees (it does not equate ſ with S, say): then chars fold alike
            // exactly when they are equal ignoring case, and a short keyword's gram is its exact answer.
            folding[c] = char.IsSurrogate(ch) ? '\uD800'
                : string.Equals(ch.ToString(), upper.ToString(), StringComparison.OrdinalIgnoreCase) ? upper : ch;
        }
        return folding;
    }

    /// <summary>Moves a slot from the grams of <paramref name="before"/> to those of <paramref name="after"/>, touching only the grams that differ.</summary>
    /// <remarks>
    /// An entry's texts are a window of its newest messages: a change adds texts at the end and may drop the oldest.
    /// Then only the texts that came or went are read (a gram of one that went stays filed while a text still there
    /// holds it), not the whole window twice: most changes read one message. Any other change reads both lists.
    /// </remarks>
    public void Update(int slot, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        if (SameTexts(before, after)) return;
        var dropped = Dropped(before, after);
        if (dropped < 0)
        {
            Replace(slot, before, after);
            return;
        }
        if (dropped > 0)
        {
            _old.Clear();
            for (var t = 0; t < dropped; t++) AddGrams(before[t], _old);
            for (var t = 0; t < after.Count && _old.Count > 0; t++) RemoveGrams(after[t], _old);
            foreach (var gram in _old) RemoveSlot(gram, slot);
            if (_old.Count > 4096) _old.TrimExcess();
        }
        for (var t = before.Count - dropped; t < after.Count; t++)
        {
            var text = after[t];
            for (var i = 0; i < text.Length; i++)
            {
                AddSlot(Gram(text, i, 1), slot);
                if (i + 2 <= text.Length) AddSlot(Gram(text, i, 2), slot);
                if (i + 3 <= text.Length) AddSlot(Gram(text, i, 3), slot);
            }
        }
    }

    /// <summary>
    /// How many of the oldest texts of <paramref name="before"/> went when the rest of it begins <paramref name="after"/>
    /// (texts added at the end, perhaps some dropped at the start); -1 when the change is not of that shape.
    /// </summary>
    private static int Dropped(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        for (var dropped = 0; dropped <= before.Count; dropped++)
        {
            var kept = before.Count - dropped;
            if (kept > after.Count || (kept > 0 && !Same(before[dropped], after[0]))) continue;
            var same = true;
            for (var i = 0; i < kept && same; i++) same = Same(before[dropped + i], after[i]);
            if (same) return dropped;
        }
        return -1;
    }

    /// <summary>Every gram of both lists: those of <paramref name="before"/> only lose the slot, those of <paramref name="after"/> only gain it.</summary>
    private void Replace(int slot, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        _old.Clear();
        _new.Clear();
        foreach (var text in before) AddGrams(text, _old);
        foreach (var text in after) AddGrams(text, _new);
        foreach (var gram in _old)
        {
            if (!_new.Contains(gram)) RemoveSlot(gram, slot);
        }
        foreach (var gram in _new)
        {
            if (!_old.Contains(gram)) AddSlot(gram, slot);
        }
        // Sets that grew for a long text should not pin their buckets.
        if (_old.Count > 4096) _old.TrimExcess();
        if (_new.Count > 4096) _new.TrimExcess();
    }

    private void AddSlot(long gram, int slot)
    {
        ref var slots = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_grams, gram, out _);
        slots ??= new CompactBitmap();
        slots.Add(slot);
    }

    private void RemoveSlot(long gram, int slot)
    {
        var slots = _grams[gram];
        slots.Remove(slot);
        if (slots.IsEmpty) _grams.Remove(gram);
    }

    private static bool Same(string a, string b) => ReferenceEquals(a, b) || string.Equals(a, b, StringComparison.Ordinal);

    /// <summary>The same strings in the same order (an entry's texts are the messages' own strings, shared, so by reference first).</summary>
    private static bool SameTexts(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!Same(a[i], b[i])) return false;
        }
        return true;
    }

    /// <summary>
    /// The slots that may mention <paramref name="keyword"/> (not empty); null when none can. <paramref name="exact"/>:
    /// they all do (a keyword of at most 3 chars and no surrogate is one gram, and chars fold alike exactly when equal).
    /// </summary>
    public CompactBitmap? Candidates(string keyword, out bool exact)
    {
        exact = keyword.Length <= 3 && !keyword.Any(char.IsSurrogate);
        var grams = new HashSet<long>();
        if (keyword.Length < 3) grams.Add(Gram(keyword, 0, keyword.Length));
        else
        {
            for (var i = 0; i + 3 <= keyword.Length; i++) grams.Add(Gram(keyword, i, 3));
        }
        var sets = new List<CompactBitmap>(grams.Count);
        foreach (var gram in grams)
        {
            if (!_grams.TryGetValue(gram, out var slots)) return null;
            sets.Add(slots);
        }
        sets.Sort((a, b) => a.Cardinality.CompareTo(b.Cardinality));
        var result = sets[0];
        for (var i = 1; i < sets.Count && !result.IsEmpty; i++) result = CompactBitmap.And(result, sets[i]);
        return result;
    }

    private static void RemoveGrams(string text, HashSet<long> grams)
    {
        for (var i = 0; i < text.Length && grams.Count > 0; i++)
        {
            grams.Remove(Gram(text, i, 1));
            if (i + 2 <= text.Length) grams.Remove(Gram(text, i, 2));
            if (i + 3 <= text.Length) grams.Remove(Gram(text, i, 3));
        }
    }

    private static void AddGrams(string text, HashSet<long> grams)
    {
        for (var i = 0; i < text.Length; i++)
        {
            grams.Add(Gram(text, i, 1));
            if (i + 2 <= text.Length) grams.Add(Gram(text, i, 2));
            if (i + 3 <= text.Length) grams.Add(Gram(text, i, 3));
        }
    }

    /// <summary>
    /// Grams filed at once, for slots in increasing order: each gram's bitmap grows at its end, and an entry's repeated
    /// grams are told apart by the last slot filed, not by a set. Builders of consecutive slot ranges (one per core)
    /// are joined in range order.
    /// </summary>
    public sealed class Builder
    {
        private readonly Dictionary<long, Posting> _postings = [];

        /// <summary>Files a slot under the grams of its texts, as <see cref="Update"/> from none would; slots in increasing order.</summary>
        public void Add(int slot, IReadOnlyList<string> texts)
        {
            foreach (var text in texts)
            {
                for (var i = 0; i < text.Length; i++)
                {
                    Post(Gram(text, i, 1), slot);
                    if (i + 2 <= text.Length) Post(Gram(text, i, 2), slot);
                    if (i + 3 <= text.Length) Post(Gram(text, i, 3), slot);
                }
            }
        }

        private void Post(long gram, int slot)
        {
            ref var posting = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_postings, gram, out _);
            posting ??= new Posting();
            if (posting.Last == slot) return;
            posting.Slots.AddLast(slot);
            posting.Last = slot;
        }

        /// <summary>The index of this builder's slots and those of <paramref name="later"/>, builders of the slot ranges after this one's, in order.</summary>
        public GramIndex Build(params ReadOnlySpan<Builder> later)
        {
            var grams = new Dictionary<long, CompactBitmap>(_postings.Count);
            foreach (var (gram, posting) in _postings) grams.Add(gram, posting.Slots);
            foreach (var builder in later)
            {
                foreach (var (gram, posting) in builder._postings)
                {
                    if (grams.TryGetValue(gram, out var slots)) slots.AppendAll(posting.Slots);
                    else grams.Add(gram, posting.Slots);
                }
            }
            return new GramIndex(grams);
        }

        private sealed class Posting
        {
            public readonly CompactBitmap Slots = new();
            public int Last = -1;
        }
    }

    /// <summary>A gram of 1 to 3 folded chars as one number: its length, then its chars, 16 bits each.</summary>
    private static long Gram(string text, int start, int length)
    {
        long gram = length;
        for (var i = 0; i < length; i++) gram = (gram << 16) | Folding[text[start + i]];
        return gram;
    }

    /// <summary>Every gram with its slots, in gram order (tests compare an updated index with one built afresh).</summary>
    internal IEnumerable<(long Gram, int[] Slots)> Postings()
        => _grams.OrderBy(g => g.Key).Select(g => (g.Key, g.Value.Values().ToArray()));

    /// <summary>Bytes of the gram bitmaps.</summary>
    public long Bytes() => _grams.Values.Sum(b => b.Bytes());
}

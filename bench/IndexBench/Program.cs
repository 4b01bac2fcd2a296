using System.Diagnostics;
using LiveOrleans;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using LiveOrleans.Views;
using LiveOrleans.Views.Index;

// The live index against the walk over every entry it replaces (the brute force with SessionRules), in process.
// Usage: dotnet run -c Release --project bench/IndexBench -- [sessions...]   (default: 100000 1000000)
var sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : [100_000, 1_000_000];
var grace = TimeSpan.FromSeconds(60);
var now = new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero);
Console.WriteLine($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
foreach (var size in sizes)
{
    var random = new Random(42);
    GC.Collect();
    var before = GC.GetTotalMemory(true);
    var entries = new SessionEntry[size];
    for (var i = 0; i < size; i++) entries[i] = Generate(random, i, now);
    var withEntries = GC.GetTotalMemory(true);
    var watch = Stopwatch.StartNew();
    var index = new LiveIndex(grace);
    foreach (var entry in entries) index.Upsert(entry);
    var built = watch.Elapsed;
    var withIndex = GC.GetTotalMemory(true);
    Console.WriteLine($"\n{size:N0} sessions: entries {(withEntries - before) / (double)size:N0} B each (cards, strings, lists: not the index's);"
        + $" index {(withIndex - withEntries) / (double)size:N0} B per entry; built in {built.TotalMilliseconds:N0} ms ({built.TotalMilliseconds * 1000 / size:F2} µs per upsert)");

    // The former grain's structures, for the walk.
    var byId = entries.ToDictionary(e => e.SessionId, StringComparer.Ordinal);
    var order = new SortedSet<SessionCard>(entries.Select(e => e.Card), Comparer<SessionCard>.Create(SessionRules.CompareForList));
    var middle = order.ElementAt(size / 2);
    var cursor = new SessionListPosition(middle.LastActivityAt, middle.SessionId);

    // A rare keyword that occurs: one of the order numbers some messages carry.
    var rare = entries.SelectMany(e => e.SearchTexts).Select(t => System.Text.RegularExpressions.Regex.Match(t, "order [0-9]+")).First(m => m.Success).Value;
    var queries = new (string Name, LiveFilter Filter, SessionListPosition? After, bool Metrics)[]
    {
        ("page, first", LiveFilter.All, null, false),
        ("page, by cursor (middle)", LiveFilter.All, cursor, false),
        ("page, team + status", new LiveFilter { Teams = ["team3"], Statuses = [LiveState.Active] }, null, false),
        ("page, owner + urgent (few)", new LiveFilter { Owners = ["owner7"], Priorities = [Priority.Urgent] }, null, false),
        ("page, keyword common", new LiveFilter { Q = "refund" }, null, false),
        ("page, keyword rare", new LiveFilter { Q = rare }, null, false),
        ("page, keyword 2 chars", new LiveFilter { Q = "CK" }, null, false),
        ("page, duration 10-30 min", new LiveFilter { MinDurationSec = 600, MaxDurationSec = 1800 }, null, false),
        ("page, all filters", new LiveFilter { Teams = ["team1", "team2"], Channels = ["web"], Statuses = [LiveState.Active, LiveState.Paused], Q = "delivery", MinDurationSec = 300 }, null, false),
        ("metrics, all", LiveFilter.All, null, true),
        ("metrics, team", new LiveFilter { Teams = ["team3"] }, null, true),
        ("metrics, keyword", new LiveFilter { Q = "refund" }, null, true),
    };
    var oldRuns = size >= 1_000_000 ? 5 : 15;
    Console.WriteLine($"{"query",-28} {"total",9} {"index p50 ms",13} {"walk p50 ms",12}");
    foreach (var (name, filter, after, metrics) in queries)
    {
        object Index() => metrics ? index.Metrics(filter, now) : index.Page(filter, 50, after, now);
        object Walk() => metrics ? WalkMetrics(byId, filter, now, grace) : WalkPage(order, byId, filter, 50, after, now, grace);
        var a = Index();
        var b = Walk();
        var total = a is LivePage p ? p.Total : ((MetricsPart)a).LiveSessions;
        var same = a is LivePage pa ? pa.Total == ((SessionPagePartLike)b).Total && pa.Items.Select(e => e.SessionId).SequenceEqual(((SessionPagePartLike)b).Items.Select(e => e.SessionId))
            : (MetricsPart)a == (MetricsPart)b;
        if (!same) throw new InvalidOperationException($"{name}: the index and the walk disagree");
        Console.WriteLine($"{name,-28} {total,9:N0} {Median(Index, 41),13:F3} {Median(Walk, oldRuns),12:F1}");
    }

    // Changes: a message moves a session to the top of the list (new activity, a new text, a reply).
    var changes = Math.Min(size, 100_000);
    watch.Restart();
    for (var i = 0; i < changes; i++)
    {
        var old = entries[random.Next(size)];
        var moved = old with
        {
            Card = old.Card with { LastActivityAt = now.AddTicks(i) },
            SearchTexts = i % 2 == 0 ? old.SearchTexts : [.. old.SearchTexts.Skip(1), Sentence(random)],
            Replies = i % 2 == 0 ? old.Replies : [.. old.Replies, new ReplySample(now, 800)],
        };
        index.Upsert(moved);
    }
    Console.WriteLine($"upserts of existing sessions (half with a new text and reply): {watch.Elapsed.TotalMilliseconds * 1000 / changes:F2} µs each");
    GC.KeepAlive(entries);
}

static double Median(Func<object> run, int runs)
{
    var times = new double[runs];
    for (var i = 0; i < runs; i++)
    {
        var watch = Stopwatch.StartNew();
        run();
        times[i] = watch.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    return times[runs / 2];
}

static SessionPagePartLike WalkPage(SortedSet<SessionCard> order, Dictionary<string, SessionEntry> byId, LiveFilter filter, int limit, SessionListPosition? after,
    DateTimeOffset now, TimeSpan grace)
{
    int total = 0, following = 0;
    var items = new List<SessionEntry>();
    foreach (var card in order)
    {
        var entry = byId[card.SessionId];
        if (!SessionRules.IsListed(entry, now, grace) || !SessionRules.Matches(entry, filter, now)) continue;
        total++;
        if (!LiveIndex.IsAfter(card, after)) continue;
        following++;
        if (items.Count < limit) items.Add(entry);
    }
    return new SessionPagePartLike(total, following, items);
}

static MetricsPart WalkMetrics(Dictionary<string, SessionEntry> byId, LiveFilter filter, DateTimeOffset now, TimeSpan grace)
{
    var sum = MetricsPart.Empty;
    foreach (var entry in byId.Values)
    {
        if (entry.BroadcastOnly || !SessionRules.Matches(entry, filter, now)) continue;
        sum = sum.Add(SessionRules.Metrics(entry, now, grace));
    }
    return sum;
}

static SessionEntry Generate(Random random, int i, DateTimeOffset now)
{
    var started = now - TimeSpan.FromSeconds(random.Next(3 * 3600));
    var last = started + TimeSpan.FromTicks(random.NextInt64((now - started).Ticks + 1));
    DateTimeOffset? ended = random.Next(20) == 0 ? last : null;
    var texts = new string[1 + random.Next(3)];
    for (var t = 0; t < texts.Length; t++) texts[t] = Sentence(random);
    var replies = new ReplySample[random.Next(4)];
    for (var r = 0; r < replies.Length; r++) replies[r] = new ReplySample(now - TimeSpan.FromSeconds(random.Next(7200)), random.Next(200, 9000));
    DateTimeOffset[] interventions = random.Next(50) == 0 ? [now - TimeSpan.FromSeconds(random.Next(7200))] : [];
    var card = new SessionCard($"sess_{i:D8}", $"agent{random.Next(20)}", null, null, Data.Channels[random.Next(Data.Channels.Length)],
        new UserView($"user_{random.Next(1_000_000)}", null), started, last, ended is null ? (LiveState)random.Next(5) : LiveState.Ended,
        (Priority)random.Next(4), "", $"owner{random.Next(50)}", $"team{random.Next(10)}", ConversationStatus.Open, false, ended);
    return new SessionEntry(i, 0, card, random.Next(100) == 0, texts, null, replies, interventions);
}

static string Sentence(Random random)
{
    var words = new string[4 + random.Next(14)];
    for (var w = 0; w < words.Length; w++) words[w] = random.Next(400) == 0 ? $"order {random.Next(100_000)}" : Data.Vocabulary[random.Next(Data.Vocabulary.Length)];
    return string.Join(' ', words);
}

internal sealed record SessionPagePartLike(int Total, int After, IReadOnlyList<SessionEntry> Items);

internal static class Data
{
    public static readonly string[] Channels = ["web", "sms", "whatsapp", "email"];

    public static readonly string[] Vocabulary =
    [
        "hello", "I", "need", "help", "with", "my", "order", "the", "delivery", "is", "late", "can", "you", "check", "refund", "please",
        "thanks", "account", "password", "reset", "invoice", "payment", "failed", "card", "address", "change", "tracking", "number",
        "where", "parcel", "today", "tomorrow", "cancel", "subscription", "upgrade", "plan", "price", "discount", "code", "not", "working",
        "error", "message", "app", "crash", "login", "email", "phone", "support", "agent", "human", "wait", "minutes", "still", "nothing",
        "great", "perfect", "sorry", "problem", "issue", "return", "label", "size", "color", "shoes", "shirt", "warranty", "broken",
    ];
}

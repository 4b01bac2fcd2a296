using System.Diagnostics;
using LiveOrleans;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using LiveOrleans.Views;
using LiveOrleans.Views.Index;

// The live index against the walk over every entry it replaces (the brute force with SessionRules), in process; and its
// bulk build (LiveIndex.Build, a shard's load) against upserts one by one, whose answers it must equal.
// Usage: dotnet run -c Release --project bench/IndexBench -- [sessions...]   (default: 100000 1000000)
//        dotnet run -c Release --project bench/IndexBench -- window [sessions] [windows]   (the window book; default: 1000000 1000)
var grace = TimeSpan.FromSeconds(60);
var now = new DateTimeOffset(2026, 12, 6, 12, 0, 30, TimeSpan.Zero);
Console.WriteLine($"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
if (args.Length > 0 && args[0] == "window")
{
    WindowBench(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1_000, grace, now);
    return;
}
var sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : [100_000, 1_000_000];
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

    // The same entries built at once, as a shard's load does (LiveIndex.Build); its answers are checked below with the other's.
    var bulkTimes = new double[3];
    LiveIndex bulk = null!;
    for (var run = 0; run < bulkTimes.Length; run++)
    {
        bulk = null!;
        GC.Collect();
        watch.Restart();
        bulk = LiveIndex.Build(grace, entries);
        bulkTimes[run] = watch.Elapsed.TotalMilliseconds;
    }
    Array.Sort(bulkTimes);
    GC.Collect();
    var withBoth = GC.GetTotalMemory(true);
    Console.WriteLine($"bulk build (LiveIndex.Build, {Environment.ProcessorCount} cores): {bulkTimes[1]:N0} ms, median of {bulkTimes.Length} (runs {string.Join(" / ", bulkTimes.Select(t => t.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} ms);"
        + $" {built.TotalMilliseconds / bulkTimes[1]:F1}x faster than upserts one by one; {(withBoth - withIndex) / (double)size:N0} B per entry");

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
        var c = metrics ? (object)bulk.Metrics(filter, now) : bulk.Page(filter, 50, after, now);
        var sameBulk = a is LivePage x ? x.Total == ((LivePage)c).Total && x.Items.SequenceEqual(((LivePage)c).Items) && x.More == ((LivePage)c).More : a.Equals(c);
        if (!sameBulk) throw new InvalidOperationException($"{name}: the bulk-built index and the other disagree");
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
    GC.KeepAlive(bulk);
}

// The window book (Views/Index/WindowBook) over the index: windows of N = 50 under distinct filters, then batches of
// changes (a message moves a session to the top) and ticks 100 ms apart; the cost of a change is the tick's time over
// the batch (Changed itself only records it).
static void WindowBench(int size, int windows, TimeSpan grace, DateTimeOffset now)
{
    var random = new Random(42);
    var entries = new SessionEntry[size];
    for (var i = 0; i < size; i++) entries[i] = Generate(random, i, now);
    var index = new LiveIndex(grace);
    foreach (var entry in entries) index.Upsert(entry);
    GC.Collect();
    var before = GC.GetTotalMemory(true);
    var watch = Stopwatch.StartNew();
    var book = new WindowBook(index, grace, TimeSpan.FromHours(10), now);
    var scheduled = watch.Elapsed;
    var withBook = GC.GetTotalMemory(true);
    Console.WriteLine($"\n{size:N0} sessions: book built in {scheduled.TotalMilliseconds:N0} ms, {book.Scheduled:N0} sessions scheduled by time, {(withBook - before) / (double)size:N0} B per session");

    // Distinct filters, most anchored on an owner, agent or team (as dashboards filter), a few not (everything, keywords).
    var filters = new List<LiveFilter>();
    string[] unanchoredWords = ["refund", "delivery", "password", "crash", "warranty"];
    filters.Add(LiveFilter.All);
    foreach (var word in unanchoredWords) filters.Add(new LiveFilter { Q = word });
    for (var o = 0; filters.Count < windows && o < 50; o++)
    {
        filters.Add(new LiveFilter { Owners = [$"owner{o}"] });
        for (var p = 0; p < 4; p++) filters.Add(new LiveFilter { Owners = [$"owner{o}"], Priorities = [(Priority)p] });
        for (var st = 0; st < 5; st++) filters.Add(new LiveFilter { Owners = [$"owner{o}"], Statuses = [(LiveState)st] });
        foreach (var channel in Data.Channels) filters.Add(new LiveFilter { Owners = [$"owner{o}"], Channels = [channel] });
    }
    for (var a = 0; a < 20; a++)
    {
        filters.Add(new LiveFilter { Agents = [$"agent{a}"] });
        for (var st = 0; st < 5; st++) filters.Add(new LiveFilter { Agents = [$"agent{a}"], Statuses = [(LiveState)st] });
    }
    for (var t = 0; t < 10; t++)
    {
        filters.Add(new LiveFilter { Teams = [$"team{t}"] });
        foreach (var channel in Data.Channels)
        {
            for (var p = 0; p < 4; p++) filters.Add(new LiveFilter { Teams = [$"team{t}"], Channels = [channel], Priorities = [(Priority)p] });
        }
    }
    filters = filters.Take(windows).ToList();
    watch.Restart();
    for (var i = 0; i < filters.Count; i++) book.Open($"f{i}", filters[i], 50, $"node{i % 4}", now);
    var opened = watch.Elapsed;
    Console.WriteLine($"{book.Count:N0} windows (N = 50; {filters.Count(f => f.Owners is null && f.Agents is null && f.Teams is null)} unanchored) opened in {opened.TotalMilliseconds:N0} ms ({opened.TotalMilliseconds / book.Count:F1} ms each)");
    var first = Stopwatch.StartNew();
    book.Tick(now);
    Console.WriteLine($"first tick: {first.Elapsed.TotalMilliseconds:F1} ms");

    var at = now;
    var moves = 0L;
    Console.WriteLine($"{"changes per tick",17} {"tick p50 ms",12} {"µs per change",14} {"deltas p50",11} {"upsert+Changed µs",18}");
    foreach (var batch in new[] { 0, 10, 100, 1_000, 10_000 })
    {
        var runs = batch >= 10_000 ? 5 : 21;
        var tickMs = new double[runs];
        var deltas = new double[runs];
        var upsertMs = 0.0;
        for (var r = 0; r < runs; r++)
        {
            at += TimeSpan.FromMilliseconds(100);
            var upserts = Stopwatch.StartNew();
            for (var i = 0; i < batch; i++)
            {
                var k = random.Next(size);
                var old = entries[k];
                var moved = old with
                {
                    Card = old.Card with { LastActivityAt = at.AddTicks(-(++moves % 1000)) },
                    Replies = i % 2 == 0 ? old.Replies : [.. old.Replies, new ReplySample(at, 800)],
                };
                entries[k] = moved;
                index.Upsert(moved);
                book.Changed(old, moved);
            }
            upsertMs += upserts.Elapsed.TotalMilliseconds;
            var tick = Stopwatch.StartNew();
            var answer = book.Tick(at);
            tickMs[r] = tick.Elapsed.TotalMilliseconds;
            deltas[r] = answer.Values.Sum(t => t.Windows.Count);
        }
        Array.Sort(tickMs);
        Array.Sort(deltas);
        var p50 = tickMs[runs / 2];
        Console.WriteLine($"{batch,17:N0} {p50,12:F3} {(batch == 0 ? "-" : (p50 * 1000 / batch).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)),14} {deltas[runs / 2],11:N0} {(batch == 0 ? "-" : (upsertMs * 1000 / (runs * (double)batch)).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)),18}");
    }
    // Time alone: the clock moves on a minute with no change; the entries due then are applied.
    var due = Stopwatch.StartNew();
    var minute = book.Tick(at + TimeSpan.FromMinutes(1));
    Console.WriteLine($"a tick a minute on with no change (entries due by time): {due.Elapsed.TotalMilliseconds:F1} ms, {minute.Values.Sum(t => t.Windows.Count):N0} deltas");
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

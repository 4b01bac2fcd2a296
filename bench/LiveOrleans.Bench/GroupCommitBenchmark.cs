using System.Diagnostics;
using LiveOrleans.Grains.Storage;

namespace LiveOrleans.Bench;

/// <summary>
/// What group commit is worth: single-entry appends through the engine's log and writer (WAL, synchronous=FULL),
/// made one at a time — a transaction and an fsync each, what a store written per grain pays — and from
/// <see cref="Appenders"/> appenders at once, whose waiting appends the writer takes into one transaction.
/// </summary>
public static class GroupCommitBenchmark
{
    private const int Appenders = 64;
    private const int Sequential = 2_000;
    private const int PerAppender = 500;

    public static async Task RunAsync(int runs)
    {
        var alone = new List<double>();
        var grouped = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            alone.Add(await RateAsync(1, Sequential));
            grouped.Add(await RateAsync(Appenders, PerAppender));
            Console.WriteLine($"group commit run {run + 1}: one at a time {alone[^1]:N0} appends/s, {Appenders} at once {grouped[^1]:N0} appends/s");
        }
        Console.WriteLine($"RESULT group-commit: single-entry appends one at a time median {Machine.Median(alone):N0}/s, "
            + $"{Appenders} appenders at once median {Machine.Median(grouped):N0}/s over {runs} runs (WAL, synchronous=FULL)");
    }

    /// <summary>Appends/s of <paramref name="appenders"/> streams each appending <paramref name="each"/> single entries in turn.</summary>
    private static async Task<double> RateAsync(int appenders, int each)
    {
        using var store = new ScratchStore();
        var payload = new byte[200];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                await store.Log.AppendAsync("tenant-1", $"session/a{a}", [new LogAppend(LogEntryKind.Event, $"a{a}-e{i}", payload)]);
        })));
        return appenders * each / watch.Elapsed.TotalSeconds;
    }
}

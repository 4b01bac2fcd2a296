using LiveOrleans.Bench;

// Benchmarks of LiveOrleans, run against the real engine over loopback HTTP; see bench/README.md.
// Usage: bench <what> [seconds] [runs] [--before <Api.dll of the build to compare with>] [--after <Api.dll>] [--cluster] [--silos 1,2,3] [--quota cores] [--tenants N] [--sessions N] [--warmup seconds] [--batch events] [--senders N] [--preencoded events] [--ready-cap seconds] [--min-rounds N] [--max-rss-gb G] [--queries-before-stop]
//   what: raw | commit | ingest | scaleout | query | sessions | calls | all | gc PID (a full GC in a running engine)
var positional = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var what = positional.ElementAtOrDefault(0) ?? "all";
var seconds = int.TryParse(positional.ElementAtOrDefault(1), out var s) ? s : 15;
var runs = int.TryParse(positional.ElementAtOrDefault(2), out var r) ? r : 3;
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root is not null && !File.Exists(Path.Combine(root.FullName, "LiveOrleans.sln"))) root = root.Parent;
var after = new EngineBuild("after", Option("--after") ?? Path.Combine(root?.FullName ?? ".", "Api", "bin", "Release", "net10.0", "LiveOrleans.Api.dll"));
// --cluster: this build embedded beside the same build in cluster mode (PostgreSQL, a Silo process, the Api joined to it);
// with --before as well, both builds in cluster mode.
var cluster = args.Contains("--cluster");
var builds = Option("--before") is { } before
    ? new[] { new EngineBuild("before", before, cluster), after with { Cluster = cluster } }
    : cluster ? [after with { Label = "embedded" }, after with { Label = "cluster", Cluster = true }] : [after];
var sessions = int.TryParse(Option("--sessions"), out var n) ? n : 100_000;
if (int.TryParse(Option("--tenants"), out var tenants)) IngestBenchmark.Tenants = tenants;
if (int.TryParse(Option("--warmup"), out var warmUp)) IngestBenchmark.WarmUpSeconds = warmUp;
if (int.TryParse(Option("--batch"), out var batch)) IngestBenchmark.BatchSize = batch;
if (int.TryParse(Option("--senders"), out var senders)) IngestBenchmark.Senders = senders;
if (int.TryParse(Option("--preencoded"), out var preencoded)) IngestBenchmark.PreencodedEvents = preencoded;
if (int.TryParse(Option("--ready-cap"), out var readyCap)) SessionsBenchmark.ReadyCap = TimeSpan.FromSeconds(readyCap);
if (int.TryParse(Option("--min-rounds"), out var minRounds)) SessionsBenchmark.MinRounds = minRounds;
SessionsBenchmark.QueriesBeforeStop = args.Contains("--queries-before-stop");
// scaleout: this build embedded, then clusters of --silos counts (default 1,2,3) with the Api an Orleans client, every
// process that runs grains confined to --quota cores (default 0.3) by a cgroup of its own.
if (what == "scaleout")
{
    var quota = double.TryParse(Option("--quota"), System.Globalization.CultureInfo.InvariantCulture, out var q) ? q : 0.3;
    var counts = (Option("--silos") ?? "1,2,3").Split(',').Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture));
    // The Api's admission lets in what the engine answered lately in Ingest:TargetLatency (200 ms), at least
    // Ingest:MinEventsInFlight (2,000). A 0.3-core silo takes longer than that for one 500-event batch, so the bound
    // stays at its floor, four batches for the whole cluster, whatever the silos: measured, 3 silos throttled 54-74 %
    // of periods, not 100 %. Here the floor is the load's own closed loop (every sender's batch), so the silos decide.
    var settings = new Dictionary<string, string>
    {
        ["Ingest__MinEventsInFlight"] = (IngestBenchmark.Senders * IngestBenchmark.BatchSize).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
    builds = [after with { Label = "embedded", Quota = quota, Settings = settings },
        .. counts.Select(c => after with { Label = $"silos-{c}", Cluster = true, Silos = c, ApiClient = true, Quota = quota, Settings = settings })];
}
if (double.TryParse(Option("--max-rss-gb"), System.Globalization.CultureInfo.InvariantCulture, out var maxRss)) SessionsBenchmark.MaxRestartBytes = (long)(maxRss * 1e9);

if (what == "gc")
{
    // bench gc PID: a full GC in a running engine (as the sessions benchmark does), with its RSS before and after.
    var pid = int.Parse(positional[1], System.Globalization.CultureInfo.InvariantCulture);
    Console.WriteLine($"RSS before {EngineProcess.ResidentBytes(pid) / 1e6:F0} MB");
    await EngineProcess.CollectGarbageAsync(pid);
    Console.WriteLine($"RSS after a full GC {EngineProcess.ResidentBytes(pid) / 1e6:F0} MB");
    return;
}
Console.WriteLine(Machine.Describe());
foreach (var build in builds) Console.WriteLine($"build {build.Label}: {build.ApiDll}");
var report = new Report(builds);
if (what is "raw" or "all") report.Raw(await RawAppendBenchmark.RunAsync(runs));
if (what is "commit") await GroupCommitBenchmark.RunAsync(runs);
if (what is "ingest" or "all")
{
    // Runs alternate between the builds, so a slow moment of the machine hits both.
    for (var run = 0; run < runs; run++)
    {
        foreach (var build in builds)
        {
            var result = await IngestBenchmark.RunAsync(build, seconds);
            Console.WriteLine($"ingest {build.Label} run {run + 1}: {result.EventsPerSecond:N0} events/s, batch ack p50 {result.BatchP50:F1} ms p99 {result.BatchP99:F1} ms, 429s {result.Refused}, errors {result.Errors}, CPU engine {result.EngineCores:F2} cores, load generator {result.HarnessCores:F2} cores");
            report.Ingest(build, result);
        }
    }
    report.PrintIngest(IngestBenchmark.Describe(seconds));
}
if (what is "scaleout")
{
    // Runs alternate between the configurations, so a slow moment of the machine hits each.
    for (var run = 0; run < runs; run++)
    {
        foreach (var build in builds)
        {
            var result = await IngestBenchmark.RunAsync(build, seconds);
            Console.WriteLine($"scaleout {build.Label} run {run + 1}: {result.EventsPerSecond:N0} events/s, batch ack p50 {result.BatchP50:F1} ms p99 {result.BatchP99:F1} ms, 429s {result.Refused}, errors {result.Errors}, "
                + $"CPU {result.EngineCores:F2} cores ({result.EngineCores / result.EventsPerSecond * 1e6:F1} µs per event), throttled {result.ThrottledShare:P0} of periods, load generator {result.HarnessCores:F2} cores; "
                + string.Join(", ", result.CoresByProcess!.Select(p => $"{p.Name} {p.Cores:F2}")));
            report.Ingest(build, result);
        }
    }
    var confined = builds[0].Quota;
    report.PrintScaleOut($"{IngestBenchmark.Describe(seconds)}; each silo, and the embedded engine, confined to {confined:0.##} of a core by a cgroup; the Api an Orleans client, unconfined; "
        + $"Ingest:MinEventsInFlight {builds[0].Settings["Ingest__MinEventsInFlight"]}; CPU counts the Api, the silos and PostgreSQL");
}
if (what is "calls" or "all")
{
    var (events, calls, byGrain) = await CallsBenchmark.RunAsync(IngestBenchmark.Senders * 20);
    Console.WriteLine("calls by grain: " + string.Join(", ", byGrain.OrderByDescending(g => g.Value).Select(g => $"{g.Key} {g.Value:N0}")));
    Console.WriteLine($"RESULT calls after: {events:N0} events in {calls:N0} grain calls = {(double)events / calls:F2} events per grain call ({IngestBenchmark.Senders * 20} batches of {IngestBenchmark.BatchSize} simulator events)");
}
if (what is "query" or "all")
{
    for (var run = 0; run < runs; run++)
    {
        foreach (var build in builds)
        {
            var result = await QueryLatencyBenchmark.RunAsync(build, seconds);
            Console.WriteLine($"query {build.Label} run {run + 1}: {string.Join("; ", result.Select(q => $"{q.Key} p50 {q.Value.P50:F2} p99 {q.Value.P99:F2} ms"))}");
            report.Queries(build, "query", result);
        }
    }
    report.PrintQueries("query", QueryLatencyBenchmark.Describe());
}
if (what is "sessions" or "all")
{
    for (var run = 0; run < runs; run++)
    {
        foreach (var build in builds)
        {
            var result = await SessionsBenchmark.RunAsync(build, sessions, Math.Max(5, seconds / 2));
            Console.WriteLine($"sessions {build.Label} run {run + 1}: {result.Listed:N0} of {result.Sessions:N0} live sessions listed, loaded in {result.Load.TotalSeconds:F0} s, "
                + $"{result.ActiveBytesPerSession:N0} B each while active ({result.ActiveAfterGcBytesPerSession:N0} B after a full GC), SIGTERM stop {result.Stop.TotalSeconds:F1} s, "
                + $"restart until every live query answered {result.ReadyText}, {result.RestartedBytesPerSession:N0} B each after it ({result.RestartedAfterGcBytesPerSession?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} B after a full GC); "
                + string.Join("; ", result.Queries.Select(q => $"{q.Key} p50 {q.Value.P50:F2} p99 {q.Value.P99:F2} ms ({result.QueryCounts[q.Key].Samples} samples{(result.QueryCounts[q.Key].Failed > 0 ? $", {result.QueryCounts[q.Key].Failed} failed" : "")})")));
            report.Sessions(build, result);
        }
    }
    report.PrintSessions(sessions);
}

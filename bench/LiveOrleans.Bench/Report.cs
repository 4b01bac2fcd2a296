namespace LiveOrleans.Bench;

/// <summary>Collects each build's runs and prints medians, side by side, with the ratio of the second to the first (after/before, cluster/embedded).</summary>
public sealed class Report(IReadOnlyList<EngineBuild> builds)
{
    private string First => builds[0].Label;

    private string Second => builds[^1].Label;

    private readonly Dictionary<string, List<IngestBenchmark.Result>> _ingest = [];
    private readonly Dictionary<(string Benchmark, string Build, string Query), List<(double P50, double P99)>> _queries = [];
    private readonly Dictionary<string, List<SessionsBenchmark.Result>> _sessions = [];
    private double? _raw;

    public void Raw((double Raw, double Log) rates) => _raw = rates.Raw;

    public void Ingest(EngineBuild build, IngestBenchmark.Result result) => Add(_ingest, build.Label, result);

    public void Queries(EngineBuild build, string benchmark, IReadOnlyDictionary<string, (double P50, double P99)> result)
    {
        foreach (var (query, value) in result) Add(_queries, (benchmark, build.Label, query), value);
    }

    public void Sessions(EngineBuild build, SessionsBenchmark.Result result)
    {
        Add(_sessions, build.Label, result);
        Queries(build, "sessions", result.Queries);
    }

    private static void Add<TKey, T>(Dictionary<TKey, List<T>> into, TKey key, T value) where TKey : notnull
    {
        if (!into.TryGetValue(key, out var list)) into[key] = list = [];
        list.Add(value);
    }

    private string Ratio(Func<string, double> figure)
        => builds.Count < 2 ? "" : $" | {Second}/{First} {figure(Second) / figure(First):F2}";

    public void PrintIngest(string description)
    {
        double Rate(string build) => Machine.Median(_ingest[build].Select(r => r.EventsPerSecond));
        foreach (var build in builds)
        {
            var share = _raw is { } raw ? $", {Rate(build.Label) / raw:P0} of the raw append rate measured in this run" : "";
            Console.WriteLine($"RESULT ingest {build.Label}: {Rate(build.Label):N0} events/s{share}, batch ack p50 {Machine.Median(_ingest[build.Label].Select(r => r.BatchP50)):F1} ms p99 {Machine.Median(_ingest[build.Label].Select(r => r.BatchP99)):F1} ms, 429s {Machine.Median(_ingest[build.Label].Select(r => (double)r.Refused)):N0} (median of {_ingest[build.Label].Count} runs)");
        }
        Console.WriteLine($"RESULT ingest ({description}){Ratio(Rate)}");
    }

    /// <summary>
    /// The scale-out table: events/s per build (embedded, then clusters of 1, 2, 3 … silos), each cluster's rate beside
    /// one silo's, and CPU per acknowledged event (every process of the engine) beside embedded's.
    /// </summary>
    public void PrintScaleOut(string description)
    {
        double Rate(EngineBuild build) => Machine.Median(_ingest[build.Label].Select(r => r.EventsPerSecond));
        double CpuPerEvent(EngineBuild build) => Machine.Median(_ingest[build.Label].Select(r => r.EngineCores / r.EventsPerSecond * 1e6));
        var embedded = builds.FirstOrDefault(b => !b.Cluster);
        var one = builds.FirstOrDefault(b => b.Cluster && b.Silos == 1);
        foreach (var build in builds)
        {
            var versusOne = build.Cluster && one is not null ? $" ({Rate(build) / Rate(one):F2}x one silo)" : "";
            var versusEmbedded = build.Cluster && embedded is not null ? $" ({CpuPerEvent(build) / CpuPerEvent(embedded):F2}x embedded)" : "";
            var runs = _ingest[build.Label];
            Console.WriteLine($"RESULT scaleout {build.Label}: {Rate(build):N0} events/s{versusOne}, CPU {CpuPerEvent(build):F1} µs per event{versusEmbedded}, "
                + $"{Machine.Median(runs.Select(r => r.EngineCores)):F2} cores in all, batch ack p50 {Machine.Median(runs.Select(r => r.BatchP50)):F0} ms p99 {Machine.Median(runs.Select(r => r.BatchP99)):F0} ms, "
                + $"quota throttled {Machine.Median(runs.Select(r => r.ThrottledShare)):P0} of periods (median of {runs.Count} runs)");
        }
        Console.WriteLine($"RESULT scaleout ({description})");
    }

    public void PrintQueries(string benchmark, string description)
    {
        foreach (var query in _queries.Keys.Where(k => k.Benchmark == benchmark).Select(k => k.Query).Distinct())
        {
            double P(string build, Func<(double P50, double P99), double> pick) => Machine.Median(_queries[(benchmark, build, query)].Select(pick));
            var figures = string.Join("; ", builds.Select(b => $"{b.Label} p50 {P(b.Label, v => v.P50):F2} ms p99 {P(b.Label, v => v.P99):F2} ms"));
            var ratio = builds.Count < 2 ? "" : $" | {Second}/{First} p50 {P(Second, v => v.P50) / P(First, v => v.P50):F2}, p99 {P(Second, v => v.P99) / P(First, v => v.P99):F2}";
            Console.WriteLine($"RESULT {benchmark} {query}: {figures}{ratio}");
        }
        Console.WriteLine($"RESULT {benchmark}: medians of the runs, {description}");
    }

    public void PrintSessions(int sessions)
    {
        double M(string b, Func<SessionsBenchmark.Result, double> f) => Machine.Median(_sessions[b].Select(f));
        string Ready(string b) => _sessions[b].All(r => r.Ready is not null)
            ? $"{M(b, r => r.Ready!.Value.TotalSeconds):F1} s"
            : string.Join(" / ", _sessions[b].Select(r => r.ReadyText));
        foreach (var build in builds)
        {
            var b = build.Label;
            var afterGc = _sessions[b].All(r => r.RestartedAfterGcBytesPerSession is not null) ? $"{M(b, r => r.RestartedAfterGcBytesPerSession!.Value):N0} B after a full GC" : "no full GC (not ready)";
            Console.WriteLine($"RESULT sessions {b}: {M(b, r => r.Listed):N0} live sessions listed of {sessions:N0} loaded in {M(b, r => r.Load.TotalSeconds):F0} s; "
                + $"resident per live session while active {M(b, r => r.ActiveBytesPerSession):N0} B, {M(b, r => r.ActiveAfterGcBytesPerSession):N0} B after a full GC; "
                + $"SIGTERM stop {M(b, r => r.Stop.TotalSeconds):F1} s{(_sessions[b].All(r => r.StoppedGracefully) ? "" : " (killed after 5 min)")}; "
                + $"restart until every live query answered as before: {Ready(b)}; "
                + $"after the restart {M(b, r => r.RestartedBytesPerSession):N0} B per live session ({(_sessions[b].All(r => r.Ready is not null) ? "10 s after ready" : "at the cap")}), {afterGc}, peak {M(b, r => r.PeakRestartBytes) / 1e9:F1} GB resident");
        }
        if (builds.Count == 2)
        {
            Console.WriteLine($"RESULT sessions {Second}/{First}: memory while active {M(Second, r => r.ActiveBytesPerSession) / M(First, r => r.ActiveBytesPerSession):F2}, after a full GC {M(Second, r => r.ActiveAfterGcBytesPerSession) / M(First, r => r.ActiveAfterGcBytesPerSession):F2}, after a restart {M(Second, r => r.RestartedBytesPerSession) / M(First, r => r.RestartedBytesPerSession):F2}");
        }
        PrintQueries("sessions", $"with {sessions:N0} live sessions in one tenant, {(SessionsBenchmark.QueriesBeforeStop ? "before the stop" : "after the restart (none when it never became ready)")}; Subscribe on a freshly connected hub until its snapshot arrived; resident bytes per session = (RSS - RSS before the load) / sessions loaded");
    }
}

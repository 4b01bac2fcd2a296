using LiveOrleans.Bench;

// Benchmarks of LiveOrleans, run against the real engine over loopback HTTP. See bench/README.md.
var what = args.Length > 0 ? args[0] : "all";
var seconds = args.Length > 1 && int.TryParse(args[1], out var s) ? s : 15;
var runs = args.Length > 2 && int.TryParse(args[2], out var r) ? r : 3;

Console.WriteLine(Machine.Describe());
if (what is "raw" or "all") await RawAppendBenchmark.RunAsync(runs);
if (what is "ingest" or "all") await IngestBenchmark.RunAsync(seconds, runs);
if (what is "query" or "all") await QueryLatencyBenchmark.RunAsync(seconds, runs);

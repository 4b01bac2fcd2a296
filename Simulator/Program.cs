using LiveOrleans.Simulator;

// Command line: plays realistic traffic against a running engine through its public HTTP doors.
//   dotnet run --project Simulator -- --url http://localhost:5080 --key <ingest key> [--key <another tenant's key>]
//       [--seed 1] [--speed 1 | --rate 5000] [--seconds 60] [--sessions-per-minute 20]
var options = ArgsOf(args);
if (!options.TryGetValue("url", out var urls) || !options.TryGetValue("key", out var keys))
{
    Console.Error.WriteLine("usage: --url <engine> --key <ingest key> [--key …] [--seed N] [--speed X | --rate events/s] [--seconds N] [--sessions-per-minute N]");
    return 2;
}
var seed = Number("seed", 1);
var seconds = Number("seconds", 60);
string[] zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"];
var tenants = keys.Select((_, i) => new SimulatedTenant($"t{i}", zones[i % zones.Length])).ToArray();
var model = new TrafficModel(seed, tenants, DateTimeOffset.UtcNow, Number("sessions-per-minute", 20));
using var http = new HttpClient { BaseAddress = new Uri(urls[0]) };
var runner = new SimulationRunner(http, keys, model);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var report = options.ContainsKey("rate")
    ? await runner.RunAtRateAsync(Number("rate", 1000), TimeSpan.FromSeconds(seconds), cancel.Token)
    : await runner.RunAsync(TimeSpan.FromSeconds(seconds), Number("speed", 1), cancel.Token);
Console.WriteLine($"seed {seed}: {report}");
return report.Errors == 0 ? 0 : 1;

int Number(string name, int fallback) => options.TryGetValue(name, out var v) && int.TryParse(v[0], out var n) ? n : fallback;

static Dictionary<string, List<string>> ArgsOf(string[] args)
{
    var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) continue;
        var key = args[i][2..];
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(args[i + 1]);
    }
    return map;
}

using System.Net;
using System.Net.Http.Headers;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Diagnostics;
using LiveOrleans.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace LiveOrleans.Bench;

/// <summary>
/// Events per grain call of this build (the Orleans engine): the ingest benchmark's traffic through an engine
/// hosted in this process, whose grain-call counter is read before and after. Grain calls exist only since the
/// engine runs on Orleans, so there is no figure for the build before.
/// </summary>
public static class CallsBenchmark
{
    public static async Task<(long Events, long Calls, IReadOnlyDictionary<string, long> ByGrain)> RunAsync(int batches)
    {
        var byGrain = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == LiveMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
        var counting = false;
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (!Volatile.Read(ref counting)) return;
            foreach (var tag in tags) if (tag.Key == "grain") byGrain.AddOrUpdate((string)tag.Value!, value, (_, v) => v + value);
        });
        listener.Start();
        var directory = Path.Combine(Path.GetTempPath(), $"lo-calls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:SqlitePath"] = Path.Combine(directory, "live.db"),
            ["Bootstrap:Tenant"] = "bench",
            ["Bootstrap:AdminPassword"] = EngineProcess.Password,
            ["Bootstrap:IngestKey"] = EngineProcess.Key,
            ["Ingest:EventsPerSecondPerTenant"] = "10000000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddLiveApi();
        await using var app = builder.Build();
        app.MapLiveApi();
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Add("X-Api-Key", EngineProcess.Key);
            var models = Enumerable.Range(0, IngestBenchmark.Senders)
                .Select(i => new TrafficModel(IngestBenchmark.Seed + i, [new SimulatedTenant($"sender{i}", "UTC")], DateTimeOffset.UtcNow, sessionsPerMinute: 600)).ToArray();
            var callsBefore = LiveMetrics.TotalGrainCalls;
            Volatile.Write(ref counting, true);
            long events = 0;
            for (var round = 0; round < batches / models.Length; round++)
            {
                await Task.WhenAll(models.Select(async model =>
                {
                    using var content = new ByteArrayContent(IngestBenchmark.Batch(model, IngestBenchmark.BatchSize));
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync("/api/v1/events", content);
                    if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Add(ref events, IngestBenchmark.BatchSize);
                }));
            }
            Volatile.Write(ref counting, false);
            return (events, LiveMetrics.TotalGrainCalls - callsBefore, byGrain);
        }
        finally
        {
            await app.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics.Metrics;
using Xunit.Abstractions;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// What crosses between silos per ingested event on a three-silo cluster, counted by Orleans' own messaging meter
/// (<c>orleans-messaging-sent-messages-size</c>: one measurement per message written to a connection, tagged with
/// the connection's direction and its remote silo), with a client that ingests as an Api node in client mode does.
/// It prints the figures (issue 21: before and after tenant placement); it asserts only that every event was taken.
/// </summary>
[Trait("Category", "grains")]
public sealed class CrossSiloTrafficTests(ITestOutputHelper output)
{
    private const int Tenants = 6, Batches = 10, SessionsPerBatch = 10;

    [Fact]
    public async Task Counts_the_messages_and_bytes_that_cross_silos_per_ingested_event()
    {
        // The streams' pulling agents ask their queues for items on a timer (every 10 ms by default): a minute here, so
        // that what is counted is what the events cause, not what the time does. Items published on the tenant streams
        // are counted on their way to the queues; nothing subscribes here, so nothing is delivered.
        await using var live = await LiveCluster.StartAsync(new Dictionary<string, string?> { ["Orleans:StreamPollInterval"] = "00:01:00" }, silos: 3);
        var tenants = Enumerable.Range(0, Tenants).Select(i => $"traffic{i}").ToArray();
        foreach (var tenant in tenants) await live.ConfigureTenantAsync(tenant);
        // Warm up: every tenant's grains activated, sessions started, so what is counted is the steady state of live
        // conversations (a new activation also registers in the grain directory, on the silo that owns its entry).
        foreach (var tenant in tenants) await IngestAsync(live, tenant, 0);

        var counts = new Dictionary<string, (long Messages, long Bytes)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "orleans-messaging-sent-messages-size") l.EnableMeasurementEvents(instrument);
        };
        // Other test classes' clusters run in this process too: only connections to this cluster's silos are counted.
        var silos = live.Cluster.GetActiveSilos().Select(s => s.SiloAddress).ToHashSet();
        listener.SetMeasurementEventCallback<int>((_, bytes, tags, _) =>
        {
            string? direction = null, kind = null;
            var ours = false;
            foreach (var tag in tags)
            {
                if (tag.Key == "ConnectionDirection") direction = tag.Value?.ToString();
                if (tag.Key == "MessageDirection") kind = tag.Value?.ToString();
                if (tag.Key == "silo" && tag.Value is SiloAddress silo) ours = silos.Contains(silo);
            }
            if (!ours || direction is null) return;
            lock (counts)
            {
                foreach (var key in new[] { direction, $"{direction} {kind}" })
                {
                    counts.TryGetValue(key, out var c);
                    counts[key] = (c.Messages + 1, c.Bytes + bytes);
                }
            }
        });
        listener.Start();
        var events = 0;
        for (var batch = 1; batch <= Batches; batch++)
        {
            events += (await Task.WhenAll(tenants.Select(t => IngestAsync(live, t, batch)))).Sum();
        }
        listener.Dispose();

        var lines = counts.OrderBy(c => c.Key).Select(c =>
            $"{c.Key}: {c.Value.Messages} messages, {c.Value.Bytes} bytes: {(double)c.Value.Messages / events:F3} messages and {(double)c.Value.Bytes / events:F0} bytes per event");
        output.WriteLine($"{events} events in {Tenants * Batches} batches of {SessionsPerBatch} sessions");
        foreach (var line in lines) output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("LIVEORLEANS_TRAFFIC_OUT") is { Length: > 0 } file)
        {
            await File.WriteAllLinesAsync(file, [$"{events} events", .. lines]);
        }
        Assert.Equal(Tenants * Batches * SessionsPerBatch * 3, events);
    }

    /// <summary>
    /// A batch of three events for each of the tenant's <see cref="SessionsPerBatch"/> conversations (batch 0 starts
    /// them, the others carry on: a message in, the agent thinking, its answer); answers the events accepted.
    /// </summary>
    private static async Task<int> IngestAsync(LiveCluster live, string tenant, int batch)
    {
        var at = Ev.Exact(DateTimeOffset.UtcNow.AddMinutes(-10)).AddSeconds(batch * 10);
        var events = Enumerable.Range(0, SessionsPerBatch).SelectMany(s => batch == 0
            ? new LiveEvent[] { Ev.Started($"s{s}", at), Ev.Received($"s{s}", at), Ev.Sent($"s{s}", at.AddSeconds(1)) }
            : [Ev.Received($"s{s}", at), Ev.Thinking($"s{s}", at.AddSeconds(1)), Ev.Sent($"s{s}", at.AddSeconds(2))]).ToArray();
        return (await live.IngestAsync(tenant, events)).Accepted;
    }
}

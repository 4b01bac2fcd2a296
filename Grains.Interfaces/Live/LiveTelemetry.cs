using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LiveOrleans.Live;

/// <summary>
/// The engine's own metrics and traces (meter and activity source <c>LiveOrleans</c>), exported by the Api through
/// OpenTelemetry: Prometheus at <c>/metrics</c>, OTLP when configured (docs/operations.md). Names follow OpenTelemetry's
/// conventions; Prometheus shows them with underscores and a <c>_total</c> suffix on counters.
/// </summary>
public static class LiveTelemetry
{
    public const string Name = "LiveOrleans";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Events stored and applied (a batch's 202).</summary>
    public static readonly Counter<long> EventsAccepted = Meter.CreateCounter<long>("liveorleans.events.accepted", "{event}", "Events stored and applied.");

    /// <summary>Events whose id the tenant had already sent.</summary>
    public static readonly Counter<long> EventsDuplicated = Meter.CreateCounter<long>("liveorleans.events.duplicated", "{event}", "Events whose id the tenant had sent before.");

    /// <summary>Events refused, by reason (invalid, rate_limit, overload, session_cap, paused).</summary>
    public static readonly Counter<long> EventsRefused = Meter.CreateCounter<long>("liveorleans.events.refused", "{event}", "Events refused, by reason.");

    /// <summary>From a batch's arrival at the engine to its answer.</summary>
    public static readonly Histogram<double> IngestDuration = Meter.CreateHistogram<double>("liveorleans.ingest.duration", "s", "Time from a validated batch to its answer (durable and applied).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    /// <summary>How long a push waits in a dashboard connection's queue until it is written.</summary>
    public static readonly Histogram<double> PushDelay = Meter.CreateHistogram<double>("liveorleans.push.delay", "s", "Time a push waits for its dashboard connection.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    /// <summary>Log entries committed together (one transaction, one fsync).</summary>
    public static readonly Histogram<long> CommitEntries = Meter.CreateHistogram<long>("liveorleans.log.commit.entries", "{entry}", "Log entries per group commit.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] });

    /// <summary>Dashboard connections open on this node.</summary>
    public static readonly UpDownCounter<long> Dashboards = Meter.CreateUpDownCounter<long>("liveorleans.dashboards.connected", "{connection}", "Dashboard connections open on this node.");

    /// <summary>Live sessions held by the live-index shards active in this silo.</summary>
    public static readonly UpDownCounter<long> LiveSessions = Meter.CreateUpDownCounter<long>("liveorleans.sessions.live", "{session}", "Live sessions of the index shards active in this silo.");
}

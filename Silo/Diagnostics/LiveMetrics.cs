using System.Diagnostics.Metrics;

namespace LiveOrleans.Diagnostics;

/// <summary>
/// LiveOrleans' own instruments (meter <c>LiveOrleans</c>): calls into its grains, by grain interface. The totals are
/// kept too, for in-process readers such as the benchmarks.
/// </summary>
public static class LiveMetrics
{
    public const string MeterName = LiveOrleans.Live.LiveTelemetry.Name;
    private static readonly Counter<long> GrainCalls = LiveOrleans.Live.LiveTelemetry.Meter.CreateCounter<long>("liveorleans.grain.calls", "{call}", "Calls into LiveOrleans grains.");
    private static long _grainCalls;

    /// <summary>Calls into LiveOrleans grains since the process started.</summary>
    public static long TotalGrainCalls => Interlocked.Read(ref _grainCalls);

    internal static void GrainCalled(string grain)
    {
        Interlocked.Increment(ref _grainCalls);
        GrainCalls.Add(1, new KeyValuePair<string, object?>("grain", grain));
    }
}

/// <summary>Counts every call into a LiveOrleans grain (not Orleans' own system grains).</summary>
internal sealed class GrainCallCounter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType is { Namespace: "LiveOrleans.Grains" } grain) LiveMetrics.GrainCalled(grain.Name);
        return context.Invoke();
    }
}

using LiveOrleans.Api.Ingest;
using Microsoft.Extensions.Time.Testing;

namespace LiveOrleans.Api.Tests;

/// <summary>The bound on events in flight follows the rate the engine answers at (Little's law), within its limits.</summary>
[Trait("Category", "unit")]
public sealed class IngestAdmissionTests
{
    private static readonly IngestOptions Options = new() { TargetLatency = TimeSpan.FromMilliseconds(200), MinEventsInFlight = 2_000, MaxEventsInFlight = 30_000 };

    /// <summary>Four windows of a quarter second, each answering <paramref name="perWindow"/> events in batches of 500.</summary>
    private static void Answer(IngestAdmission admission, FakeTimeProvider clock, int perWindow, int windows = 4)
    {
        for (var w = 0; w < windows; w++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            for (var done = 0; done < perWindow; done += 500)
            {
                Assert.True(admission.TryEnter(500) || admission.InFlight == 0);
                admission.Exit(500);
            }
        }
    }

    [Fact]
    public void Starts_at_the_minimum_and_refuses_a_batch_beyond_it_but_never_a_batch_alone()
    {
        var admission = new IngestAdmission(Options, new FakeTimeProvider());
        Assert.Equal(2_000, admission.Limit);
        for (var i = 0; i < 4; i++) Assert.True(admission.TryEnter(500));
        Assert.False(admission.TryEnter(500));
        Assert.Equal(2_000, admission.InFlight);

        var alone = new IngestAdmission(new IngestOptions { MinEventsInFlight = 10, MaxEventsInFlight = 10 }, new FakeTimeProvider());
        Assert.True(alone.TryEnter(1_000));
        Assert.False(alone.TryEnter(1));
    }

    [Fact]
    public void The_bound_becomes_the_answered_rate_times_the_target_latency_within_the_limits()
    {
        var clock = new FakeTimeProvider();
        var admission = new IngestAdmission(Options, clock);

        // 10,000 events a quarter second = 40,000 a second; 0.2 s of it is 8,000.
        Answer(admission, clock, 10_000, windows: 20);
        Assert.InRange(admission.Limit, 7_900, 8_100);

        // The engine slows to 4,000 a second: 800 by the law, so the minimum.
        Answer(admission, clock, 1_000, windows: 20);
        Assert.Equal(2_000, admission.Limit);

        // Much faster than the maximum allows: the maximum.
        Answer(admission, clock, 100_000, windows: 20);
        Assert.Equal(30_000, admission.Limit);
    }
}

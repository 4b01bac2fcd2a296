using LiveOrleans.Api.Endpoints;
using Microsoft.Extensions.Time.Testing;

namespace LiveOrleans.Api.Tests;

/// <summary>The sign-in brake on its own, on a test clock: free failures, then a wait that doubles, per source.</summary>
[Trait("Category", "unit")]
public sealed class LoginThrottleTests
{
    [Fact]
    public void After_the_free_failures_each_failure_doubles_the_wait_up_to_the_cap()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        using var throttle = new LoginThrottle(clock);
        for (var i = 0; i < LoginThrottle.FreeFailures; i++)
        {
            Assert.Null(throttle.RetryAfter("10.0.0.1"));
            throttle.Failed("10.0.0.1");
        }
        Assert.Null(throttle.RetryAfter("10.0.0.1"));

        // Failures from one instant: 1 s, 2 s, 4 s … then held at the cap; another source is never held back.
        var expected = TimeSpan.FromSeconds(1);
        for (var failure = LoginThrottle.FreeFailures + 1; failure <= LoginThrottle.FreeFailures + 30; failure++)
        {
            throttle.Failed("10.0.0.1");
            Assert.Equal(expected, throttle.RetryAfter("10.0.0.1"));
            Assert.Null(throttle.RetryAfter("10.0.0.2"));
            expected = expected * 2 > LoginThrottle.MaxWait ? LoginThrottle.MaxWait : expected * 2;
        }
        Assert.Equal(LoginThrottle.MaxWait, expected);

        clock.Advance(LoginThrottle.MaxWait);
        Assert.Null(throttle.RetryAfter("10.0.0.1"));
    }

    [Fact]
    public void A_failure_after_the_window_starts_the_count_again()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        using var throttle = new LoginThrottle(clock);
        for (var i = 0; i <= LoginThrottle.FreeFailures; i++) throttle.Failed("10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.RetryAfter("10.0.0.1"));

        clock.Advance(LoginThrottle.Window);
        for (var i = 0; i < LoginThrottle.FreeFailures; i++) throttle.Failed("10.0.0.1");
        Assert.Null(throttle.RetryAfter("10.0.0.1"));
        throttle.Failed("10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.RetryAfter("10.0.0.1"));
    }
}

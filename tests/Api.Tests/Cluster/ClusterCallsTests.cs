using LiveOrleans.Api.Hosting;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>An idempotent grain call caught by a silo leaving is tried once more; anything else is not.</summary>
public sealed class ClusterCallsTests
{
    [Fact]
    public async Task A_call_interrupted_by_a_failover_is_tried_once_more_and_its_second_answer_is_the_answer()
    {
        var calls = 0;
        var answer = await ClusterCalls.OnceMoreOnFailoverAsync(() =>
            ++calls == 1 ? Task.FromException<int>(new SiloUnavailableException("silo S127.0.0.1:11112 is dead")) : Task.FromResult(42));
        Assert.Equal((42, 2), (answer, calls));
    }

    [Fact]
    public async Task A_second_failover_and_any_other_failure_reach_the_caller_after_at_most_two_calls()
    {
        var calls = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => ClusterCalls.OnceMoreOnFailoverAsync<int>(() => { calls++; throw new TimeoutException(); }));
        Assert.Equal(2, calls);

        calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterCalls.OnceMoreOnFailoverAsync<int>(() => { calls++; throw new InvalidOperationException("a bug"); }));
        Assert.Equal(1, calls);
    }
}

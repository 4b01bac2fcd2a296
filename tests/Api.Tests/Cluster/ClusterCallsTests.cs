using LiveOrleans.Api.Hosting;
using Microsoft.AspNetCore.Http;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>An idempotent grain call or a safe request caught by a silo leaving is tried once more; anything else is not.</summary>
[Trait("Category", "unit")]
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

    [Fact]
    public void The_runtimes_own_refusals_while_membership_settles_are_failovers_and_a_wrapped_storage_failure_is_not()
    {
        // What Orleans' directory throws while silos join or leave (LocalGrainDirectory), and its placement while a silo's types are unknown.
        Assert.True(ClusterCalls.IsTransient(new OrleansException("Current directory at S127.0.0.1:11111:1 is not stable to perform the lookup for grainId x. Retry later.")));
        Assert.True(ClusterCalls.IsTransient(new OrleansException("No active nodes are compatible with grain session and interface ISessionGrain version 0.")));
        Assert.False(ClusterCalls.IsTransient(new OrleansException("Error from storage provider during ReadStateAsync", new InvalidOperationException("the store failed"))));
        Assert.False(ClusterCalls.IsTransient(new Orleans.Storage.InconsistentStateException("ETag mismatch")));
        Assert.False(ClusterCalls.IsTransient(new InvalidOperationException("a bug")));
    }

    [Fact]
    public void PostgreSQL_refusing_for_a_moment_is_transient_also_under_Orleans_grain_storage_and_a_refused_statement_is_not()
    {
        // What a server at max_connections answers (SQLSTATE 53300), and one still starting (57P03).
        var tooMany = new Npgsql.PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300");
        Assert.True(ClusterCalls.IsTransient(tooMany));
        Assert.True(ClusterCalls.IsTransient(new Npgsql.PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03")));
        Assert.True(ClusterCalls.IsTransient(new OrleansException("Error from storage provider AdoNetGrainStorage during ReadStateAsync", tooMany)));
        // A statement PostgreSQL refuses (a unique violation, a syntax error) is a bug, not a moment.
        Assert.False(ClusterCalls.IsTransient(new Npgsql.PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505")));
        Assert.False(ClusterCalls.IsTransient(new OrleansException("Error from storage provider", new Npgsql.PostgresException("syntax error", "ERROR", "ERROR", "42601"))));
        // The store's writer refusing a write it cannot make durable (disk full, the file gone, PostgreSQL's passing errors).
        Assert.True(ClusterCalls.IsTransient(new LiveOrleans.Live.StoreUnavailableException("The store could not make the write durable (disk full).")));
    }

    [Fact]
    public async Task A_GET_caught_by_a_failover_is_run_once_more_and_answers()
    {
        var calls = 0;
        var context = Request("GET");
        await ClusterCalls.OnceMoreForSafeRequestsAsync(context, c =>
        {
            if (++calls == 1) throw new SiloUnavailableException("the silo left");
            c.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        Assert.Equal((2, StatusCodes.Status200OK), (calls, context.Response.StatusCode));
    }

    [Fact]
    public async Task A_POST_a_second_failover_and_any_other_failure_are_not_run_again()
    {
        var calls = 0;
        await Assert.ThrowsAsync<SiloUnavailableException>(() => ClusterCalls.OnceMoreForSafeRequestsAsync(Request("POST"), _ => { calls++; throw new SiloUnavailableException(); }));
        Assert.Equal(1, calls);

        calls = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => ClusterCalls.OnceMoreForSafeRequestsAsync(Request("GET"), _ => { calls++; throw new TimeoutException(); }));
        Assert.Equal(2, calls);

        calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterCalls.OnceMoreForSafeRequestsAsync(Request("GET"), _ => { calls++; throw new InvalidOperationException("a bug"); }));
        Assert.Equal(1, calls);
    }

    private static DefaultHttpContext Request(string method) => new() { Request = { Method = method, Path = "/api/v1/live/summary" } };
}

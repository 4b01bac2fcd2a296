using LiveOrleans.Live;
using Polly;
using Polly.Retry;

namespace LiveOrleans.Api.Hosting;

/// <summary>
/// Grain calls that meet a silo leaving the cluster (or joining it, or PostgreSQL refusing a connection for a moment).
/// Orleans places a dead silo's grains anew within about a second; a call caught by it fails (the silo is unreachable,
/// or the response time-out passes). Such a failure is answered 503 with <c>Retry-After: 1</c>, never 500, and an
/// idempotent call (an ingest: event ids make a repeat a duplicate; a GET) is tried once more first.
/// </summary>
public static class ClusterCalls
{
    private static readonly ResiliencePropertyKey<HttpContext> Request = new("LiveOrleans.ClusterCalls.Request");

    /// <summary>
    /// A passing failure (<see cref="IsTransient"/>) is tried once more after half a second, unless the request's answer
    /// has started (nothing can be taken back then) or the request was aborted.
    /// </summary>
    private static readonly ResiliencePipeline OnceMore = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 1,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex)
                && !(args.Context.Properties.TryGetValue(Request, out var http) && http.Response.HasStarted)),
        })
        .Build();

    /// <summary>
    /// Whether a failure is passing, not the call's fault nor a bug: the cluster changing under the call — a silo gone
    /// (unreachable, or the response time-out passed), or the runtime's own plain <see cref="OrleansException"/> with no
    /// cause under it, what Orleans throws while its membership settles ("the directory is not stable … retry later",
    /// "no active nodes are compatible" while a silo joins, a forwarding hop limit) — or PostgreSQL refusing for a
    /// moment (Npgsql's transient errors: too many connections, the server starting, a broken connection), also when
    /// Orleans' grain storage wraps one, or the store's writer refusing a write it cannot make durable
    /// (<see cref="StoreUnavailableException"/>: disk full, the file gone, PostgreSQL's passing errors). Any other
    /// storage failure stays an engine failure.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        if (exception is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or StoreUnavailableException
            or Orleans.Runtime.Messaging.ConnectionFailedException or Npgsql.NpgsqlException { IsTransient: true })
            return true;
        if (exception.GetType() == typeof(OrleansException) && exception.InnerException is null) return true;
        return exception is OrleansException { InnerException: { } cause } && IsTransient(cause);
    }

    /// <summary>
    /// Middleware: a safe request (GET, HEAD) that a passing failure (<see cref="IsTransient"/>) interrupts before its
    /// answer started is run once more after a pause, so a dashboard's read during a silo's departure or arrival answers
    /// instead of a 503.
    /// </summary>
    public static async Task OnceMoreForSafeRequestsAsync(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        var attempt = ResilienceContextPool.Shared.Get(context.RequestAborted);
        attempt.Properties.Set(Request, context);
        try
        {
            await OnceMore.ExecuteAsync(static async (_, state) => await state.next(state.context), attempt, (context, next));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(attempt);
        }
    }

    /// <summary>Runs an idempotent call; when a passing failure (<see cref="IsTransient"/>) interrupts it, once more after a pause.</summary>
    public static async Task<T> OnceMoreOnFailoverAsync<T>(Func<Task<T>> call)
        => await OnceMore.ExecuteAsync(static async (call, _) => await call(), call);
}

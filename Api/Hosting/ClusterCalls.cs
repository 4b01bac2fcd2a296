namespace LiveOrleans.Api.Hosting;

/// <summary>
/// Grain calls that meet a silo leaving the cluster. Orleans places the dead silo's grains anew within about a
/// second; a call caught by it fails (the silo is unreachable, or the response time-out passes). Such a failure is
/// answered 503 with <c>Retry-After: 1</c>, never 500, and an idempotent call (ingest: event ids make a repeat a
/// duplicate) is tried once more first.
/// </summary>
public static class ClusterCalls
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);

    /// <summary>Whether a failure is the cluster changing under the call, not the call's fault nor the engine's.</summary>
    public static bool IsFailover(Exception exception) => exception is SiloUnavailableException or OrleansMessageRejectionException
        or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException;

    /// <summary>Runs an idempotent call; when a failover interrupts it, once more after a pause.</summary>
    public static async Task<T> OnceMoreOnFailoverAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (IsFailover(ex))
        {
            await Task.Delay(Pause);
            return await call();
        }
    }
}

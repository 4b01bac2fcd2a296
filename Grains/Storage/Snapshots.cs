namespace LiveOrleans.Grains.Storage;

/// <summary>
/// Writing a grain's snapshot behind its durable copy (the log, or the sessions' facts), the one way every grain does:
/// a failed write is logged and tried again later, since nothing is lost meanwhile.
/// </summary>
public static partial class Snapshots
{
    /// <summary>
    /// Runs <paramref name="write"/>; answers false when the write should be tried again (it failed, or the store is
    /// closing). When another activation wrote a newer snapshot (an ETag conflict), this one is stale: it deactivates,
    /// and answers true, since it must write nothing more.
    /// </summary>
    public static async Task<bool> TryWriteAsync(IGrainBase grain, Func<Task> write, ILogger logger)
    {
        try
        {
            await write();
            return true;
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            Log.StaleActivation(logger, grain.GrainContext.GrainId, ex);
            grain.DeactivateOnIdle();
            return true;
        }
        catch (ObjectDisposedException)
        {
            // The process is ending past its shutdown time: one line, not a stack per grain. The next activation
            // replays the log or recovers from the sessions, as after a crash.
            Log.StoreClosed(logger, grain.GrainContext.GrainId);
            return false;
        }
        catch (Exception ex)
        {
            Log.Failed(logger, grain.GrainContext.GrainId, ex);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Warning, "{Grain}: another activation wrote its snapshot; this one deactivates.")]
        public static partial void StaleActivation(ILogger logger, GrainId grain, Exception ex);

        [LoggerMessage(102, LogLevel.Warning, "{Grain}: writing the snapshot failed; the next write tries again.")]
        public static partial void Failed(ILogger logger, GrainId grain, Exception ex);

        [LoggerMessage(103, LogLevel.Debug, "{Grain}: the store closed before its snapshot was written; its next activation catches up.")]
        public static partial void StoreClosed(ILogger logger, GrainId grain);
    }
}

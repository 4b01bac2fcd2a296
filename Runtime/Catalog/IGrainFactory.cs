namespace LiveOrleans.Runtime;

/// <summary>Access to the grains of a partition, inside a turn of that partition.</summary>
public interface IGrainFactory
{
    /// <summary>The silo's clock.</summary>
    TimeProvider Time { get; }

    /// <summary>Position of the log entry being applied (0 in a query).</summary>
    long CurrentPosition { get; }

    /// <summary>Gets a grain, activating it (from its snapshot, or new) if needed.</summary>
    T GetGrain<T>(string tenant, string key) where T : Grain;

    /// <summary>Gets a grain if it is active or stored; never creates one.</summary>
    T? FindGrain<T>(string tenant, string key) where T : Grain;
}

/// <summary>The application's part of applying the log: decodes an entry and calls the grains it concerns.</summary>
public interface ILogEntryHandler
{
    /// <summary>Applies one entry; answers what the appender should learn (e.g. why a command was refused), or null.</summary>
    object? Apply(IGrainFactory grains, LogEntry entry);
}

namespace LiveOrleans.Grains.Storage;

/// <summary>Names of the grain storage providers grains use.</summary>
public static class LiveStorage
{
    /// <summary>Grain snapshots (SQLite in embedded mode).</summary>
    public const string Name = "live";
}

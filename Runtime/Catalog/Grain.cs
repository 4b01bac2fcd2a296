using System.Text.Json;

namespace LiveOrleans.Runtime;

/// <summary>
/// Base class of every grain. A grain is activated on first use (from its snapshot when it has one), runs one
/// turn at a time on its partition's loop and is collected when it asks to be. Grain code never sees transport
/// or storage: it keeps state in <see cref="Grain{TState}.State"/>, calls other grains of its tenant through
/// <see cref="GetGrain{T}"/> and reads time from <see cref="Now"/>.
/// </summary>
public abstract class Grain
{
    private IGrainRuntime? _runtime;

    public GrainId GrainId { get; private set; }

    /// <summary>The tenant this grain belongs to.</summary>
    protected string Tenant => GrainId.Tenant;

    /// <summary>The grain's key within its tenant.</summary>
    protected string Key => GrainId.Key;

    private IGrainRuntime Runtime => _runtime ?? throw new InvalidOperationException("The grain is not activated.");

    /// <summary>The silo's clock (a fake one in tests).</summary>
    protected DateTimeOffset Now => Runtime.Time.GetUtcNow();

    /// <summary>Position in the durable log of the entry being applied (0 outside an apply turn).</summary>
    protected long CurrentPosition => Runtime.CurrentPosition;

    /// <summary>Gets (activating if needed) a grain of the same tenant.</summary>
    protected T GetGrain<T>(string key) where T : Grain => Runtime.GetGrain<T>(GrainId.Tenant, key);

    /// <summary>Gets a grain of the same tenant if it is active or stored, without creating an empty one.</summary>
    protected T? FindGrain<T>(string key) where T : Grain => Runtime.FindGrain<T>(GrainId.Tenant, key);

    /// <summary>Calls <see cref="OnTimer"/> with <paramref name="name"/> at or soon after <paramref name="dueAt"/>. Timers are not durable: register them again in <see cref="OnActivate"/>.</summary>
    protected void RegisterTimer(string name, DateTimeOffset dueAt) => Runtime.RegisterTimer(GrainId, name, dueAt);

    /// <summary>
    /// Publishes a notification of what changed (Orleans would use a stream). Notifications leave the partition
    /// after the turn, in order, to the silo's <see cref="INotificationSink"/>; they are not durable.
    /// </summary>
    protected void Publish(object notification) => Runtime.Publish(notification);

    /// <summary>Asks the runtime to collect this grain after the current turn; its state is kept in grain storage.</summary>
    protected void DeactivateOnIdle() => Runtime.Deactivate(GrainId);

    /// <summary>Called once after the grain's state is set (new or from its snapshot).</summary>
    public virtual void OnActivate() { }

    /// <summary>Called when a timer registered with <see cref="RegisterTimer"/> is due.</summary>
    public virtual void OnTimer(string name) { }

    internal void Attach(GrainId id, IGrainRuntime runtime)
    {
        GrainId = id;
        _runtime = runtime;
    }

    internal abstract byte[] SaveState(JsonSerializerOptions options);

    internal abstract void LoadState(ReadOnlySpan<byte> data, JsonSerializerOptions options);
}

/// <summary>A grain whose state is one serialisable object.</summary>
public abstract class Grain<TState> : Grain where TState : class, new()
{
    protected TState State { get; private set; } = new();

    internal override byte[] SaveState(JsonSerializerOptions options) => JsonSerializer.SerializeToUtf8Bytes(State, options);

    internal override void LoadState(ReadOnlySpan<byte> data, JsonSerializerOptions options)
        => State = JsonSerializer.Deserialize<TState>(data, options) ?? new TState();
}

/// <summary>What a grain may ask of the runtime hosting it.</summary>
internal interface IGrainRuntime
{
    TimeProvider Time { get; }
    long CurrentPosition { get; }
    T GetGrain<T>(string tenant, string key) where T : Grain;
    T? FindGrain<T>(string tenant, string key) where T : Grain;
    void RegisterTimer(GrainId id, string name, DateTimeOffset dueAt);
    void Deactivate(GrainId id);
    void Publish(object notification);
}

/// <summary>Receives the notifications grains publish, a batch per partition turn. Called on the partition loop: it must only hand them on.</summary>
public interface INotificationSink
{
    void OnPublished(IReadOnlyList<object> notifications);
}

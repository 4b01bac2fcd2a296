using System.Reflection;
using System.Text.Json;

namespace LiveOrleans.Runtime;

/// <summary>The grain classes a silo can activate, by type name, and how their state is serialised.</summary>
public sealed class GrainTypes(JsonSerializerOptions? snapshotOptions = null)
{
    /// <summary>Options for grain state snapshots.</summary>
    public JsonSerializerOptions SnapshotOptions { get; } = snapshotOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, Func<Grain>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _names = [];

    public GrainTypes Add<T>() where T : Grain, new()
    {
        var name = typeof(T).GetCustomAttribute<GrainTypeAttribute>()?.Name
            ?? throw new InvalidOperationException($"{typeof(T).Name} needs a [GrainType] attribute.");
        _byName.Add(name, static () => new T());
        _names.Add(typeof(T), name);
        return this;
    }

    public string NameOf(Type type) => _names.TryGetValue(type, out var name)
        ? name
        : throw new InvalidOperationException($"{type.Name} is not a registered grain type.");

    public Grain Create(string name) => _byName.TryGetValue(name, out var factory)
        ? factory()
        : throw new InvalidOperationException($"Unknown grain type '{name}'.");
}

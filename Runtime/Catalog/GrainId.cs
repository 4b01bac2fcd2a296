namespace LiveOrleans.Runtime;

/// <summary>
/// Identity of a grain: its type name, the tenant it belongs to and its key within the tenant.
/// Every grain of a tenant lives in the tenant's partition.
/// </summary>
public readonly record struct GrainId(string Type, string Tenant, string Key)
{
    /// <summary>The storage key, e.g. <c>session/demo/s-42</c>.</summary>
    public override string ToString() => $"{Type}/{Tenant}/{Key}";

    public static GrainId Parse(string value)
    {
        var first = value.IndexOf('/');
        var second = value.IndexOf('/', first + 1);
        if (first <= 0 || second <= first) throw new FormatException($"Not a grain id: {value}");
        return new GrainId(value[..first], value[(first + 1)..second], value[(second + 1)..]);
    }
}

/// <summary>Names the grain type in grain ids and storage (stable across renames of the class).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

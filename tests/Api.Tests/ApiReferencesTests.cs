using System.Reflection;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Api.Live;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// The Api uses grains only through their interfaces and the shared view rules, never the grains' implementation:
/// the compiler records a reference to an assembly only when the code uses one of its types, so one use of a grain
/// class (or of anything else in LiveOrleans.Grains) from the Api fails this. The silo's assembly it does reference,
/// for its composition root (<c>LiveOrleans.Api.Hosting</c>), which co-hosts the silo in embedded mode; no other type
/// of the Api names one of the silo's types.
/// </summary>
[Trait("Category", "unit")]
public sealed class ApiReferencesTests
{
    private const string CompositionRoot = "LiveOrleans.Api.Hosting";

    private static readonly string[] Implementations = ["LiveOrleans.Silo", "LiveOrleans.Grains"];

    [Fact]
    public void The_api_compiles_against_the_grain_interfaces_and_the_views_not_the_grains()
    {
        var references = typeof(TenantReplica).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        // What it does use, so the test would notice if the names it looks for changed.
        Assert.Contains("LiveOrleans.Grains.Interfaces", references);
        Assert.Contains("LiveOrleans.Views", references);
        Assert.Contains("LiveOrleans.Silo", references);
        Assert.DoesNotContain("LiveOrleans.Grains", references);
    }

    [Fact]
    public void Only_the_composition_root_names_the_silos_types()
    {
        var uses = typeof(LiveApiRegistration).Assembly.GetTypes()
            .Where(t => !(t.Namespace ?? "").StartsWith(CompositionRoot, StringComparison.Ordinal))
            .SelectMany(t => ImplementationTypesIn(t).Select(used => $"{t.FullName} uses {used.FullName}"))
            .Distinct()
            .ToList();

        Assert.Empty(uses);
        // The scan does see such a use where there is one: the composition root's (the bootstrapper takes the store's database).
        Assert.Contains(ImplementationTypesIn(typeof(Bootstrapper)), t => t.FullName == "LiveOrleans.Storage.IStoreDatabase");
    }

    /// <summary>
    /// The silo's and the grains' types in a type's signatures: its base type and interfaces, and the types of its
    /// fields, properties, and its methods' and constructors' parameters and results (generic arguments included),
    /// compiler-made closures and state machines too (they are types of the assembly themselves).
    /// </summary>
    private static IEnumerable<Type> ImplementationTypesIn(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var named = new List<Type>();
        if (type.BaseType is { } baseType) named.Add(baseType);
        named.AddRange(type.GetInterfaces());
        named.AddRange(type.GetFields(all).Select(f => f.FieldType));
        named.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all))
        {
            named.Add(method.ReturnType);
            named.AddRange(method.GetParameters().Select(p => p.ParameterType));
        }
        named.AddRange(type.GetConstructors(all).SelectMany(c => c.GetParameters()).Select(p => p.ParameterType));
        return named.SelectMany(Expand).Where(t => Implementations.Contains(t.Assembly.GetName().Name)).Distinct();
    }

    /// <summary>A type with the types it is made of: element types (arrays, by-ref, pointers) and generic arguments.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType()!)) yield return inner;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Expand)) yield return argument;
        }
    }
}

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
        // And in a body alone: the composition root registers the SQL identity store as a generic argument of a call.
        Assert.Contains(ImplementationTypesIn(typeof(LiveApiRegistration)), t => t.FullName == "LiveOrleans.Storage.SqlIdentityStore");
    }

    /// <summary>
    /// The silo's and the grains' types a type names: in its signatures (base type and interfaces, the types of its
    /// fields, properties, and its methods' and constructors' parameters and results, generic arguments included) and
    /// in its methods' bodies (every type, field and method their IL refers to, with the member's declaring type);
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
        foreach (var body in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all))) named.AddRange(TypesInBody(body));
        return named.SelectMany(Expand).Where(t => Implementations.Contains(t.Assembly.GetName().Name)).Distinct();
    }

    private static readonly Dictionary<short, System.Reflection.Emit.OpCode> OpCodesByValue = typeof(System.Reflection.Emit.OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (System.Reflection.Emit.OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types a method's IL refers to: each type, field and method token's type (a member's declaring type, and a method's signature).</summary>
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case System.Reflection.Emit.OperandType.InlineType:
                case System.Reflection.Emit.OperandType.InlineField:
                case System.Reflection.Emit.OperandType.InlineMethod:
                case System.Reflection.Emit.OperandType.InlineTok:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments)!;
                    if (member is Type referred) yield return referred;
                    else if (member.DeclaringType is { } owner) yield return owner;
                    if (member is FieldInfo field) yield return field.FieldType;
                    if (member is MethodInfo called) yield return called.ReturnType;
                    if (member is MethodInfo { IsGenericMethod: true } generic) foreach (var argument in generic.GetGenericArguments()) yield return argument;
                    if (member is MethodBase any) foreach (var parameter in any.GetParameters()) yield return parameter.ParameterType;
                    at += 4;
                    break;
                case System.Reflection.Emit.OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                case System.Reflection.Emit.OperandType.InlineNone:
                    break;
                case System.Reflection.Emit.OperandType.ShortInlineBrTarget:
                case System.Reflection.Emit.OperandType.ShortInlineI:
                case System.Reflection.Emit.OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case System.Reflection.Emit.OperandType.InlineVar:
                    at += 2;
                    break;
                case System.Reflection.Emit.OperandType.InlineI8:
                case System.Reflection.Emit.OperandType.InlineR:
                    at += 8;
                    break;
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
                    at += 4;
                    break;
            }
        }
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

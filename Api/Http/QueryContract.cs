using System.Reflection;
using Microsoft.AspNetCore.Mvc;

namespace LiveOrleans.Api.Http;

/// <summary>
/// Refuses the query parameters an endpoint does not take: a misspelt <c>states=</c> answers 400 naming it instead
/// of unfiltered data. What an endpoint takes is what its handler binds from the query — <c>[FromQuery]</c>
/// parameters and those of its <c>[AsParameters]</c> records — which is also what the OpenAPI document lists, so
/// the two cannot disagree.
/// </summary>
public static class QueryContract
{
    /// <summary>Every endpoint of the group answers 400 naming the query parameters it does not take.</summary>
    public static RouteGroupBuilder RefuseUnknownQueryParameters(this RouteGroupBuilder group)
    {
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var known = QueryNames(factory.MethodInfo);
            var takes = known.Count == 0 ? "This endpoint takes no query parameters." : $"This endpoint takes: {string.Join(", ", known)}.";
            var names = new HashSet<string>(known, StringComparer.OrdinalIgnoreCase);
            return context =>
            {
                var query = context.HttpContext.Request.Query;
                if (query.Count == 0) return next(context);
                var unknown = query.Keys.Where(k => !names.Contains(k)).ToArray();
                if (unknown.Length == 0) return next(context);
                var errors = new ValidationErrors();
                foreach (var name in unknown) errors.Add(QueryText.Truncate(name), $"Unknown query parameter. {takes}");
                return ValueTask.FromResult<object?>(Problems.Invalid(errors,
                    $"Unknown query parameter{(unknown.Length == 1 ? "" : "s")}: {string.Join(", ", unknown.Select(QueryText.Truncate))}. {takes}"));
            };
        });
        return group;
    }

    /// <summary>The query parameters a handler binds, in the order it declares them (names as sent; binding ignores case).</summary>
    public static IReadOnlyList<string> QueryNames(MethodInfo handler)
        => [.. handler.GetParameters().SelectMany(p => p.GetCustomAttribute<AsParametersAttribute>() is null
            ? QueryName(p)
            : p.ParameterType.GetConstructors().MaxBy(c => c.GetParameters().Length)!.GetParameters().SelectMany(QueryName))];

    private static IEnumerable<string> QueryName(ParameterInfo parameter)
        => parameter.GetCustomAttribute<FromQueryAttribute>() is { } query ? [query.Name ?? parameter.Name!] : [];
}

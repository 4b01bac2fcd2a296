namespace LiveOrleans.Api.Http;

/// <summary>What a query parameter holds, for the OpenAPI document.</summary>
public enum QueryType
{
    String,
    Integer,

    /// <summary>Comma-separated values (the parameter may also be repeated).</summary>
    List,

    /// <summary>An ISO 8601 timestamp with a zone.</summary>
    Timestamp,
}

/// <summary>A query parameter an endpoint takes.</summary>
public sealed record QueryParameter(string Name, string Description, QueryType Type = QueryType.String);

/// <summary>The query parameters of an endpoint (endpoint metadata): the only ones it accepts, and the ones its OpenAPI operation lists.</summary>
public sealed class QueryParameters(IReadOnlyList<QueryParameter> items)
{
    public IReadOnlyList<QueryParameter> Items { get; } = items;

    public bool Contains(string name) => Items.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Declares query parameters on endpoints, and refuses the ones an endpoint does not declare: a misspelt
/// <c>states=</c> answers 400 naming it instead of unfiltered data. One declaration feeds both the check and the
/// OpenAPI document (<see cref="OpenApiContract"/>), so they cannot disagree.
/// </summary>
public static class QueryContract
{
    public static readonly QueryParameter[] Filter =
    [
        new("teams", "Team ids, comma-separated: conversations of any of these teams.", QueryType.List),
        new("owners", "Contact owner ids, comma-separated.", QueryType.List),
        new("channels", "Channel slugs, comma-separated (lower-case, such as web or whatsapp).", QueryType.List),
        new("agents", "Agent ids, comma-separated: conversations run by any of these agents.", QueryType.List),
        new("priorities", $"Priorities, comma-separated: {string.Join(", ", EnumNames<Priority>.Names)}.", QueryType.List),
        new("statuses", $"Live states, comma-separated: {string.Join(", ", EnumNames<LiveState>.Names)}.", QueryType.List),
        new("q", $"A keyword searched in the customer's name, the preview and recent message texts (at most {Limits.MaxKeywordLength} characters)."),
        new("minDurationSec", "Conversations running at least this many seconds.", QueryType.Integer),
        new("maxDurationSec", "Conversations running at most this many seconds.", QueryType.Integer),
    ];

    /// <summary>The endpoint takes these query parameters and no others.</summary>
    public static TBuilder WithQuery<TBuilder>(this TBuilder builder, params QueryParameter[] parameters) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new QueryParameters(parameters));

    /// <summary>Every endpoint of the group answers 400 naming the query parameters it does not take.</summary>
    public static RouteGroupBuilder RefuseUnknownQueryParameters(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var query = context.HttpContext.Request.Query;
            if (query.Count == 0) return await next(context);
            var known = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<QueryParameters>();
            var unknown = query.Keys.Where(k => known is null || !known.Contains(k)).ToArray();
            if (unknown.Length == 0) return await next(context);
            var takes = known is null || known.Items.Count == 0
                ? "This endpoint takes no query parameters."
                : $"This endpoint takes: {string.Join(", ", known.Items.Select(p => p.Name))}.";
            var errors = new ValidationErrors();
            foreach (var name in unknown) errors.Add(Truncate(name), $"Unknown query parameter. {takes}");
            return Problems.Invalid(errors, $"Unknown query parameter{(unknown.Length == 1 ? "" : "s")}: {string.Join(", ", unknown.Select(Truncate))}. {takes}");
        });
        return group;
    }

    private static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

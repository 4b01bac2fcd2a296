using System.Text.Json.Nodes;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Api.Http;
using LiveOrleans.Grains;

namespace LiveOrleans.Api.Endpoints;

/// <summary>The live queries: figures, agents, sessions, a session's transcript and the activity log.</summary>
public static class LiveEndpoints
{
    public const int DefaultPageSize = 50;
    public const int DefaultMessagePage = 100;

    public static RouteGroupBuilder MapLiveEndpoints(this RouteGroupBuilder api)
    {
        var live = api.MapGroup("").RequireAuthorization(LiveClaims.ReadPolicy).WithTags("Live queries");
        live.MapGet("/live/summary", Summary).WithSummary("Live metrics summary of today (filters: teams, owners, channels).");
        live.MapGet("/live/hourly", Hourly).WithSummary("Conversations initiated per local hour of today.");
        live.MapGet("/live/agents", Agents).WithSummary("The agents panel (filters: teams, owners; channels does not apply).");
        live.MapGet("/live/metrics", Metrics).WithSummary("The metrics bar over the last 60 minutes.");
        live.MapGet("/live/sessions", Sessions).WithSummary("Live session cards, most recent activity first; paged with limit and cursor.");
        live.MapGet("/sessions/{id}", Session).WithSummary("A session's card, a page of its transcript (oldest first) and its interventions.");
        live.MapGet("/activity", Activity).WithSummary("The activity log, newest first; page with before=<id of the last entry seen>.");
        return api;
    }

    private static Task<IResult> Summary(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
        => Run(request, user, engine, (q, g, tenant, filter) => q.Summary(g, tenant, filter));

    private static Task<IResult> Hourly(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
        => Run(request, user, engine, (q, g, tenant, filter) => q.Hourly(g, tenant, filter));

    private static Task<IResult> Agents(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
        => Run(request, user, engine, (q, g, tenant, filter) => q.Agents(g, tenant, filter));

    private static Task<IResult> Metrics(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
        => Run(request, user, engine, (q, g, tenant, filter) => q.Metrics(g, tenant, filter));

    private static async Task<IResult> Sessions(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
    {
        var errors = new ValidationErrors();
        var filter = user.Visible(FilterBinding.Read(request.Query, errors));
        var limit = FilterBinding.Limit(request.Query, errors, DefaultPageSize, LiveQueries.MaxPageSize);
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !SessionCursor.TryParse(cursor, out _)) errors.Add("cursor", "Not a cursor this API gave out; start again without it.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var tenant = user.TenantId();
        var page = await engine.QueryAsync(tenant, (q, g) => q.Sessions(g, tenant, filter, limit, cursor.Length == 0 ? null : cursor));
        return TypedResults.Json(page, LiveJson.Options);
    }

    private static async Task<IResult> Session(string id, HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
    {
        var errors = new ValidationErrors();
        if (!Limits.IsId(id)) return Problems.NotFound($"Session '{Truncate(id)}'");
        var limit = FilterBinding.Limit(request.Query, errors, DefaultMessagePage, LiveQueries.MaxPageSize);
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !int.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            errors.Add("cursor", "Not a cursor this API gave out; start again without it.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var tenant = user.TenantId();
        var visibility = user.Visible(LiveFilter.All);
        var detail = await engine.QueryAsync(tenant, (q, g) => q.Session(g, tenant, id, visibility, limit, cursor.Length == 0 ? null : cursor));
        if (detail is null) return Problems.NotFound($"Session '{id}'");

        return TypedResults.Json<JsonObject>(SessionDetailJson.From(detail), LiveJson.Options);
    }

    private static async Task<IResult> Activity(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
    {
        var errors = new ValidationErrors();
        var limit = FilterBinding.Limit(request.Query, errors, DefaultPageSize, LiveQueries.MaxPageSize);
        var before = request.Query["before"].ToString();
        if (before.Length > 200) errors.Add("before", "Not an activity id.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var tenant = user.TenantId();
        var visibility = user.Visible(LiveFilter.All);
        var page = await engine.QueryAsync(tenant, (q, g) => q.Activity(g, tenant, visibility, limit, before.Length == 0 ? null : before));
        return TypedResults.Json(page, LiveJson.Options);
    }

    private static async Task<IResult> Run<T>(HttpRequest request, ClaimsPrincipal user, LiveEngine engine,
        Func<LiveQueries, Runtime.IGrainFactory, string, LiveFilter, T> query)
    {
        var errors = new ValidationErrors();
        var filter = user.Visible(FilterBinding.Read(request.Query, errors));
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The filter has invalid parameters; see errors.");
        var tenant = user.TenantId();
        var result = await engine.QueryAsync(tenant, (q, g) => query(q, g, tenant, filter));
        return TypedResults.Json(result, LiveJson.Options);
    }

    private static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

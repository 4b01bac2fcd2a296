using System.Globalization;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Views;

namespace LiveOrleans.Api.Endpoints;

/// <summary>The live queries: figures, agents, sessions, a session's transcript and the activity log.</summary>
public static class LiveEndpoints
{
    public const int DefaultPageSize = 50;
    public const int DefaultMessagePage = 100;

    public static RouteGroupBuilder MapLiveEndpoints(this RouteGroupBuilder api)
    {
        var live = api.MapGroup("").RequireAuthorization(LiveClaims.ReadPolicy).WithTags("Live queries");
        QueryParameter[] filter = QueryContract.Filter;
        live.MapGet("/live/summary", Summary).WithQuery(filter).WithSummary("Live metrics summary of today (the summary uses teams, owners, channels).");
        live.MapGet("/live/hourly", Hourly).WithQuery(filter).WithSummary("Conversations initiated per local hour of today (uses teams, owners, channels).");
        live.MapGet("/live/agents", Agents).WithQuery(filter).WithSummary("The agents panel (uses teams, owners; channels does not apply).");
        live.MapGet("/live/metrics", Metrics).WithQuery(filter).WithSummary("The metrics bar over the last 60 minutes.");
        live.MapGet("/live/sessions", Sessions).WithQuery([.. filter, Limit(DefaultPageSize), Cursor]).WithSummary("Live session cards, most recent activity first; paged with limit and cursor.");
        live.MapGet("/sessions/{id}", Session).WithQuery(Limit(DefaultMessagePage), new QueryParameter("cursor", "The nextCursor of the previous page of messages."),
                new QueryParameter("interventionsLimit", $"Interventions per page, 1 to {LiveReader.MaxInterventionPage} (default {LiveReader.DefaultInterventionPage}): the newest ones.", QueryType.Integer),
                new QueryParameter("interventionsBefore", "The olderInterventionsCursor of the previous answer: the page of interventions before it."))
            .WithSummary("A session's card, a page of its transcript (oldest first) and the newest page of its interventions.");
        live.MapGet("/activity", Activity).WithQuery(Limit(DefaultPageSize), new QueryParameter("before", "The id of the last entry already seen (nextBefore of the previous page)."))
            .WithSummary("The activity log, newest first; page with before=<id of the last entry seen>.");
        return api;
    }

    private static Task<Results<Ok<SummaryView>, ValidationProblem>> Summary(HttpRequest request, ClaimsPrincipal user, LiveReader reader)
        => Run(request, user, (tenant, filter) => reader.SummaryAsync(tenant, filter));

    private static Task<Results<Ok<HourlyView>, ValidationProblem>> Hourly(HttpRequest request, ClaimsPrincipal user, LiveReader reader)
        => Run(request, user, (tenant, filter) => reader.HourlyAsync(tenant, filter));

    private static Task<Results<Ok<AgentsView>, ValidationProblem>> Agents(HttpRequest request, ClaimsPrincipal user, LiveReader reader)
        => Run(request, user, (tenant, filter) => reader.AgentsAsync(tenant, filter));

    private static Task<Results<Ok<MetricsView>, ValidationProblem>> Metrics(HttpRequest request, ClaimsPrincipal user, LiveReader reader)
        => Run(request, user, (tenant, filter) => reader.MetricsAsync(tenant, filter));

    private static async Task<Results<Ok<SessionsPage>, ValidationProblem>> Sessions(HttpRequest request, ClaimsPrincipal user, LiveReader reader)
    {
        var errors = new ValidationErrors();
        var filter = user.Visible(FilterBinding.Read(request.Query, errors));
        var limit = FilterBinding.Limit(request.Query, errors, DefaultPageSize, LiveReader.MaxPageSize);
        var cursor = request.Query["cursor"].ToString();
        LiveOrleans.Live.SessionListPosition? after = null;
        if (cursor.Length > 0 && !SessionCursor.TryParse(cursor, out after)) errors.Add("cursor", "Not a cursor this API gave out; start again without it.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        return TypedResults.Ok(await reader.SessionsAsync(user.TenantId(), filter, limit, after));
    }

    private static async Task<Results<Ok<SessionDetailResponse>, ValidationProblem, ProblemHttpResult>> Session(string id, HttpRequest request, ClaimsPrincipal user, LiveReader reader, PersonNames names)
    {
        var errors = new ValidationErrors();
        if (!Limits.IsId(id)) return Problems.NotFound($"Session '{Truncate(id)}'");
        var limit = FilterBinding.Limit(request.Query, errors, DefaultMessagePage, LiveReader.MaxPageSize);
        var cursor = request.Query["cursor"].ToString();
        var from = 0;
        if (cursor.Length > 0 && !int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            errors.Add("cursor", "Not a cursor this API gave out; start again without it.");
        var interventionLimit = LiveReader.DefaultInterventionPage;
        var rawLimit = request.Query["interventionsLimit"].ToString();
        if (rawLimit.Length > 0 && !(int.TryParse(rawLimit, NumberStyles.None, CultureInfo.InvariantCulture, out interventionLimit) && interventionLimit is >= 1 and <= LiveReader.MaxInterventionPage))
            errors.Add("interventionsLimit", $"Must be a whole number from 1 to {LiveReader.MaxInterventionPage}.");
        int? interventionsBefore = null;
        var rawBefore = request.Query["interventionsBefore"].ToString();
        if (rawBefore.Length > 0)
        {
            if (int.TryParse(rawBefore, NumberStyles.None, CultureInfo.InvariantCulture, out var before)) interventionsBefore = before;
            else errors.Add("interventionsBefore", "Not a cursor this API gave out (olderInterventionsCursor); start again without it.");
        }
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var detail = await reader.SessionAsync(user.TenantId(), id, user.Visible(LiveFilter.All), limit, from, interventionLimit, interventionsBefore);
        return detail is null ? Problems.NotFound($"Session '{id}'") : TypedResults.Ok(SessionDetailResponse.From(detail, names));
    }

    private static async Task<Results<Ok<ActivityPage>, ValidationProblem>> Activity(HttpRequest request, ClaimsPrincipal user, LiveReader reader)
    {
        var errors = new ValidationErrors();
        var limit = FilterBinding.Limit(request.Query, errors, DefaultPageSize, LiveReader.MaxPageSize);
        var before = request.Query["before"].ToString();
        if (before.Length > 200) errors.Add("before", "Not an activity id.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        return TypedResults.Ok(await reader.ActivityAsync(user.TenantId(), user.Visible(LiveFilter.All), limit, before.Length == 0 ? null : before));
    }

    private static async Task<Results<Ok<T>, ValidationProblem>> Run<T>(HttpRequest request, ClaimsPrincipal user, Func<string, LiveFilter, Task<T>> query)
    {
        var errors = new ValidationErrors();
        var filter = user.Visible(FilterBinding.Read(request.Query, errors));
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The filter has invalid parameters; see errors.");
        return TypedResults.Ok(await query(user.TenantId(), filter));
    }

    private static QueryParameter Limit(int fallback)
        => new("limit", $"Items per page, 1 to {LiveReader.MaxPageSize} (default {fallback}).", QueryType.Integer);

    private static readonly QueryParameter Cursor = new("cursor", "The nextCursor of the previous page (opaque).");

    private static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

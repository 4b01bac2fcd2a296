using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Views;
using Microsoft.AspNetCore.Mvc;

namespace LiveOrleans.Api.Endpoints;

/// <summary>The query of the session list besides its filter.</summary>
public sealed record SessionsPageQuery(
    [FromQuery(Name = "limit")][property: Description("Items per page (default 50)."), Range(1, LiveReader.MaxPageSize)] QueryNumber? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page (opaque).")] string? Cursor);

/// <summary>The query of a session detail: a page of its transcript and a page of its interventions.</summary>
public sealed record SessionDetailQuery(
    [FromQuery(Name = "limit")][property: Description("Messages per page (default 100)."), Range(1, LiveReader.MaxPageSize)] QueryNumber? Limit,
    [FromQuery(Name = "cursor")][property: Description("The nextCursor of the previous page of messages.")] string? Cursor,
    [FromQuery(Name = "interventionsLimit")][property: Description("Interventions per page, the newest ones (default 20)."), Range(1, LiveReader.MaxInterventionPage)] QueryNumber? InterventionsLimit,
    [FromQuery(Name = "interventionsBefore")][property: Description("The olderInterventionsCursor of the previous answer: the page of interventions before it.")] string? InterventionsBefore);

/// <summary>The query of the activity log.</summary>
public sealed record ActivityQuery(
    [FromQuery(Name = "limit")][property: Description("Items per page (default 50)."), Range(1, LiveReader.MaxPageSize)] QueryNumber? Limit,
    [FromQuery(Name = "before")][property: Description("The id of the last entry already seen (nextBefore of the previous page).")] string? Before);

/// <summary>The live queries: figures, agents, sessions, a session's transcript and the activity log.</summary>
public static class LiveEndpoints
{
    public const int DefaultPageSize = 50;
    public const int DefaultMessagePage = 100;

    public static RouteGroupBuilder MapLiveEndpoints(this RouteGroupBuilder api)
    {
        var live = api.MapGroup("").RequireAuthorization(LiveClaims.ReadPolicy).WithTags("Live queries");
        live.MapGet("/live/summary", Summary).WithSummary("Live metrics summary of today (the summary uses teams, owners, channels).");
        live.MapGet("/live/hourly", Hourly).WithSummary("Conversations initiated per local hour of today (uses teams, owners, channels).");
        live.MapGet("/live/agents", Agents).WithSummary("The agents panel (uses teams, owners; channels does not apply).");
        live.MapGet("/live/metrics", Metrics).WithSummary("The metrics bar over the last 60 minutes.");
        live.MapGet("/live/sessions", Sessions).WithSummary("Live session cards, most recent activity first; paged with limit and cursor.");
        live.MapGet("/sessions/{id}", Session)
            .WithSummary("A session's card, a page of its transcript (oldest first) and the newest page of its interventions.");
        live.MapGet("/activity", Activity).WithSummary("The activity log, newest first; page with before=<id of the last entry seen>.");
        return api;
    }

    private static Task<Results<Ok<SummaryView>, ValidationProblem>> Summary([AsParameters] FilterQuery query, ClaimsPrincipal user, LiveReader reader)
        => Run(query, user, (tenant, filter) => reader.SummaryAsync(tenant, filter));

    private static Task<Results<Ok<HourlyView>, ValidationProblem>> Hourly([AsParameters] FilterQuery query, ClaimsPrincipal user, LiveReader reader)
        => Run(query, user, (tenant, filter) => reader.HourlyAsync(tenant, filter));

    private static Task<Results<Ok<AgentsView>, ValidationProblem>> Agents([AsParameters] FilterQuery query, ClaimsPrincipal user, LiveReader reader)
        => Run(query, user, (tenant, filter) => reader.AgentsAsync(tenant, filter));

    private static Task<Results<Ok<MetricsView>, ValidationProblem>> Metrics([AsParameters] FilterQuery query, ClaimsPrincipal user, LiveReader reader)
        => Run(query, user, (tenant, filter) => reader.MetricsAsync(tenant, filter));

    private static async Task<Results<Ok<SessionsPage>, ValidationProblem>> Sessions([AsParameters] FilterQuery query, [AsParameters] SessionsPageQuery page, ClaimsPrincipal user, LiveReader reader)
    {
        var errors = new ValidationErrors();
        var filter = user.Visible(query.Read(errors));
        var limit = page.Limit?.Read("limit", errors, 1, LiveReader.MaxPageSize) ?? DefaultPageSize;
        LiveOrleans.Live.SessionListPosition? after = null;
        if (page.Cursor is { Length: > 0 } cursor && !SessionCursor.TryParse(cursor, out after)) errors.Add("cursor", "Not a cursor this API gave out; start again without it.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        return TypedResults.Ok(await reader.SessionsAsync(user.TenantId(), filter, limit, after));
    }

    private static async Task<Results<Ok<SessionDetailResponse>, ValidationProblem, ProblemHttpResult>> Session(string id, [AsParameters] SessionDetailQuery query, ClaimsPrincipal user, LiveReader reader, PersonNames names)
    {
        var errors = new ValidationErrors();
        if (!Limits.IsId(id)) return Problems.NotFound($"Session '{Truncate(id)}'");
        var limit = query.Limit?.Read("limit", errors, 1, LiveReader.MaxPageSize) ?? DefaultMessagePage;
        var from = 0;
        if (query.Cursor is { Length: > 0 } cursor && !int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            errors.Add("cursor", "Not a cursor this API gave out; start again without it.");
        var interventionLimit = query.InterventionsLimit?.Read("interventionsLimit", errors, 1, LiveReader.MaxInterventionPage) ?? LiveReader.DefaultInterventionPage;
        int? interventionsBefore = null;
        if (query.InterventionsBefore is { Length: > 0 } rawBefore)
        {
            if (int.TryParse(rawBefore, NumberStyles.None, CultureInfo.InvariantCulture, out var before)) interventionsBefore = before;
            else errors.Add("interventionsBefore", "Not a cursor this API gave out (olderInterventionsCursor); start again without it.");
        }
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var detail = await reader.SessionAsync(user.TenantId(), id, user.Visible(LiveFilter.All), limit, from, interventionLimit, interventionsBefore);
        return detail is null ? Problems.NotFound($"Session '{id}'") : TypedResults.Ok(await SessionDetailResponse.FromAsync(detail, names));
    }

    private static async Task<Results<Ok<ActivityPage>, ValidationProblem>> Activity([AsParameters] ActivityQuery query, ClaimsPrincipal user, LiveReader reader)
    {
        var errors = new ValidationErrors();
        var limit = query.Limit?.Read("limit", errors, 1, LiveReader.MaxPageSize) ?? DefaultPageSize;
        var before = query.Before ?? "";
        if (before.Length > 200) errors.Add("before", "Not an activity id.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        return TypedResults.Ok(await reader.ActivityAsync(user.TenantId(), user.Visible(LiveFilter.All), limit, before.Length == 0 ? null : before));
    }

    private static async Task<Results<Ok<T>, ValidationProblem>> Run<T>(FilterQuery query, ClaimsPrincipal user, Func<string, LiveFilter, Task<T>> read)
    {
        var errors = new ValidationErrors();
        var filter = user.Visible(query.Read(errors));
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The filter has invalid parameters; see errors.");
        return TypedResults.Ok(await read(user.TenantId(), filter));
    }

    private static string Truncate(string v) => v.Length <= 40 ? v : v[..40] + "…";
}

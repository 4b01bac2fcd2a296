using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Live;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Endpoints;

public sealed record ViewRequest([property: System.ComponentModel.DataAnnotations.Required] string? Name, [property: System.ComponentModel.DataAnnotations.Required] LiveFilter? Filter);

/// <summary>
/// Saved views: each person's named filters, kept on the server. Any signed-in person may keep their own (a view
/// grants nothing: its filter is applied within what the person may see); another person's view answers 404.
/// </summary>
public static class ViewEndpoints
{
    public const int MaxViewNameLength = 80;

    public static RouteGroupBuilder MapViewEndpoints(this RouteGroupBuilder api)
    {
        var views = api.MapGroup("/views").RequireAuthorization(LiveClaims.ReadPolicy).WithTags("Saved views");
        views.MapGet("", List).WithSummary("The caller's saved views, by name.");
        views.MapPost("", Create).ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Saves a filter under a name (unique per person).");
        views.MapGet("/{id}", Get).WithSummary("One of the caller's saved views.");
        views.MapPut("/{id}", Update).ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Renames a saved view or replaces its filter.");
        views.MapDelete("/{id}", Delete).WithSummary("Deletes a saved view.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<SavedView>>> List(ClaimsPrincipal user, ISavedViewStore store)
        => TypedResults.Ok(await store.ListAsync(user.TenantId(), user.UserId()));

    private static async Task<Results<Ok<SavedView>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, ISavedViewStore store)
        => await store.FindAsync(user.TenantId(), user.UserId(), id) is { } view ? TypedResults.Ok(view) : Problems.NotFound($"View '{Shorten(id)}'");

    private static async Task<Results<Created<SavedView>, ValidationProblem, ProblemHttpResult>> Create(
        ViewRequest? request, ClaimsPrincipal user, ISavedViewStore store, [FromKeyedServices(LiveTime.Key)] TimeProvider time)
    {
        if (Check(request) is { } invalid) return invalid;
        var view = new SavedView("v_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)), request!.Name!.Trim(), request.Filter!);
        return await store.CreateAsync(user.TenantId(), user.UserId(), view, time.GetUtcNow()) switch
        {
            ViewWriteResult.Written => TypedResults.Created($"/api/v1/views/{view.Id}", view),
            ViewWriteResult.NameTaken => NameTaken(view.Name),
            _ => Problems.Status(StatusCodes.Status409Conflict, $"You already keep {ISavedViewStore.MaxViewsPerUser} views, the most one person may keep: delete one first.", "Conflict"),
        };
    }

    private static async Task<Results<Ok<SavedView>, ValidationProblem, ProblemHttpResult>> Update(
        string id, ViewRequest? request, ClaimsPrincipal user, ISavedViewStore store, [FromKeyedServices(LiveTime.Key)] TimeProvider time)
    {
        if (Check(request) is { } invalid) return invalid;
        var view = new SavedView(id, request!.Name!.Trim(), request.Filter!);
        return await store.UpdateAsync(user.TenantId(), user.UserId(), view, time.GetUtcNow()) switch
        {
            ViewWriteResult.Written => TypedResults.Ok(view),
            ViewWriteResult.NameTaken => NameTaken(view.Name),
            _ => Problems.NotFound($"View '{Shorten(id)}'"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ClaimsPrincipal user, ISavedViewStore store)
        => await store.DeleteAsync(user.TenantId(), user.UserId(), id) ? TypedResults.NoContent() : Problems.NotFound($"View '{Shorten(id)}'");

    private static ValidationProblem? Check(ViewRequest? request)
    {
        var errors = new ValidationErrors();
        if (request is null)
        {
            errors.Add("name", "Required: send {name, filter}.");
            return Problems.Invalid(errors, "The view was not saved; see errors.");
        }
        if (string.IsNullOrWhiteSpace(request.Name)) errors.Add("name", "Required.");
        else if (request.Name.Trim().Length > MaxViewNameLength) errors.Add("name", $"At most {MaxViewNameLength} characters.");
        else if (Limits.NameProblem(request.Name) is { } problem) errors.Add("name", problem);
        if (request.Filter is null) errors.Add("filter", "Required: the filter object ({} for everything).");
        else FilterBinding.Validate(request.Filter, "filter", errors);
        return errors.IsEmpty ? null : Problems.Invalid(errors, "The view was not saved; see errors.");
    }

    private static ProblemHttpResult NameTaken(string name)
        => Problems.Status(StatusCodes.Status409Conflict, $"You already have a view named '{name}': pick another name or update that one.", "Conflict");

    private static string Shorten(string id) => id.Length <= 40 ? id : id[..40] + "…";
}

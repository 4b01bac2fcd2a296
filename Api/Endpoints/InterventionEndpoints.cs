using System.Text.Json;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Grains;

namespace LiveOrleans.Api.Endpoints;

public sealed record InterventionRequest(string? Type, string? Reason, string? Content, JsonElement? Target);

/// <summary>Supervisors step in: pause, resume, system message, override, transfer, reassign, silent monitoring.</summary>
public static class InterventionEndpoints
{
    public static RouteGroupBuilder MapInterventionEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Interventions");
        group.MapPost("/sessions/{id}/interventions", Intervene).RequireAuthorization(LiveClaims.IntervenePolicy)
            .WithSummary("Intervenes in a session; answers the audit entry. Needs sessions:intervene (admin, supervisor).");
        group.MapGet("/interventions", List).RequireAuthorization(LiveClaims.ReadPolicy)
            .WithSummary("Audit entries of interventions, oldest first (filters: sessionId, from, to).");
        return api;
    }

    private static async Task<IResult> Intervene(string id, InterventionRequest request, ClaimsPrincipal user, LiveEngine engine, TimeProvider time, Live.LivePush push)
    {
        var errors = new ValidationErrors();
        InterventionType type = default;
        if (request.Type is null || !EnumNames<InterventionType>.TryParse(request.Type, out type))
            errors.Add("type", $"Must be one of: {string.Join(", ", EnumNames<InterventionType>.Names)}.");
        if (string.IsNullOrWhiteSpace(request.Reason)) errors.Add("reason", "Required: say why, for the audit log.");
        else if (request.Reason.Length > Limits.MaxReasonLength) errors.Add("reason", $"At most {Limits.MaxReasonLength} characters.");
        var needsContent = type is InterventionType.SystemMessage or InterventionType.Override;
        if (errors.IsEmpty && needsContent && string.IsNullOrWhiteSpace(request.Content)) errors.Add("content", "Required for this type: the text the customer sees.");
        if (request.Content is not null && System.Text.Encoding.UTF8.GetByteCount(request.Content) > Limits.MaxMessageTextBytes) errors.Add("content", "At most 32 KiB of UTF-8 text.");
        var target = errors.IsEmpty ? ReadTarget(type, request.Target, errors) : null;
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The intervention was not made; see errors.");
        if (!Limits.IsId(id)) return Problems.NotFound($"Session '{id}'");

        var tenant = user.TenantId();
        var original = type == InterventionType.Override
            ? await engine.QueryAsync(tenant, (_, g) => g.FindGrain<SessionGrain>(tenant, id)?.StreamingText)
            : null;
        var command = new Intervene
        {
            Timestamp = time.GetUtcNow(), InterventionId = "int_" + ApiKeys.NewSecret(9).Replace('-', 'x').Replace('_', 'y'),
            SessionId = id, AdminId = user.UserId(), Type = type, Reason = request.Reason!.Trim(),
            Content = needsContent ? request.Content : null, Target = target, Original = original,
        };
        var result = (InterventionResult?)await engine.Silo.SubmitAsync(tenant, LiveEventRouter.ToLog(tenant, command));
        if (result?.Entry is not null && type is InterventionType.Pause or InterventionType.Resume) push.SetPaused(tenant, id, type == InterventionType.Pause);
        return result switch
        {
            { Entry: { } entry } => TypedResults.Json(entry, LiveJson.Options, statusCode: StatusCodes.Status201Created),
            { Status: 404 } r => Problems.Status(StatusCodes.Status404NotFound, r.Detail!, "Not Found"),
            { } r => Problems.Status(StatusCodes.Status409Conflict, r.Detail!, "Conflict"),
            null => Problems.Status(StatusCodes.Status500InternalServerError, "The intervention had no outcome.", "Internal Server Error"),
        };
    }

    private static InterventionTarget? ReadTarget(InterventionType type, JsonElement? json, ValidationErrors errors)
    {
        if (type is not (InterventionType.Transfer or InterventionType.Reassign)) return null;
        if (json is not { ValueKind: JsonValueKind.Object } t)
        {
            errors.Add("target", type == InterventionType.Transfer ? "Required: {agentId} or {queue}." : "Required: {ownerId?, teamId?}.");
            return null;
        }
        string? Id(string name)
        {
            if (!t.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.String && Limits.IsId(v.GetString())) return v.GetString();
            errors.Add($"target.{name}", "Must be an id of A-Z, a-z, 0-9, '_', '.', ':' or '-'.");
            return null;
        }
        if (type == InterventionType.Transfer)
        {
            var agent = Id("agentId");
            var queue = Id("queue");
            if ((agent is null) == (queue is null)) errors.Add("target", "Give exactly one of agentId and queue.");
            return new InterventionTarget(agent, queue, null, null, false, false);
        }
        var changesOwner = t.TryGetProperty("ownerId", out _);
        var changesTeam = t.TryGetProperty("teamId", out _);
        if (!changesOwner && !changesTeam) errors.Add("target", "Give ownerId, teamId or both (null removes).");
        return new InterventionTarget(null, null, Id("ownerId"), Id("teamId"), changesOwner, changesTeam);
    }

    private static async Task<IResult> List(HttpRequest request, ClaimsPrincipal user, LiveEngine engine)
    {
        var errors = new ValidationErrors();
        var sessionId = request.Query["sessionId"].ToString();
        if (sessionId.Length > 0 && !Limits.IsId(sessionId)) errors.Add("sessionId", "Not a session id.");
        var from = Time(request, "from", errors);
        var to = Time(request, "to", errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var tenant = user.TenantId();
        var visibility = user.Visible(LiveFilter.All);
        var entries = await engine.QueryAsync(tenant, (q, g) => q.Interventions(g, tenant, sessionId.Length == 0 ? null : sessionId, from, to)
            .Where(e => !user.IsAgentRole() || LiveFilter.AllowsOptional(visibility.Owners, g.FindGrain<SessionGrain>(tenant, e.SessionId)?.OwnerId))
            .ToArray());
        return TypedResults.Json(new { items = entries }, LiveJson.Options);
    }

    private static DateTimeOffset? Time(HttpRequest request, string name, ValidationErrors errors)
    {
        var raw = request.Query[name].ToString();
        if (raw.Length == 0) return null;
        if (EventValidator.TryParseTimestamp(raw, out var value)) return value;
        errors.Add(name, "Must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-22T10:00:00Z.");
        return null;
    }
}

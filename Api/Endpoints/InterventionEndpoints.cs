using System.ComponentModel;
using System.Text.Json;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Grains;
using LiveOrleans.Storage;
using Microsoft.AspNetCore.Mvc;

namespace LiveOrleans.Api.Endpoints;

public sealed record InterventionRequest([property: System.ComponentModel.DataAnnotations.Required] string? Type, [property: System.ComponentModel.DataAnnotations.Required] string? Reason, string? Content, JsonElement? Target);

public sealed record InterventionList(IReadOnlyList<InterventionEntry> Items);

/// <summary>The query of the audit entries' list.</summary>
public sealed record InterventionsQuery(
    [FromQuery(Name = "sessionId")][property: Description("Only this session's entries.")] string? SessionId,
    [FromQuery(Name = "from")][property: Description("Entries at or after this time (ISO 8601 with a zone).")] QueryTime? From,
    [FromQuery(Name = "to")][property: Description("Entries at or before this time (ISO 8601 with a zone).")] QueryTime? To);

/// <summary>Supervisors step in: pause, resume, system message, override, transfer, reassign, silent monitoring, guidance to the agent, takeover and handback.</summary>
public static class InterventionEndpoints
{
    public static RouteGroupBuilder MapInterventionEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Interventions");
        group.MapPost("/sessions/{id}/interventions", Intervene).RequireAuthorization(LiveClaims.IntervenePolicy).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Intervenes in a session; answers the audit entry. Needs sessions:intervene (admin, supervisor).");
        group.MapGet("/interventions", List).RequireAuthorization(LiveClaims.ReadPolicy)
            .WithSummary("Audit entries of interventions, oldest first (filters: sessionId, from, to).");
        group.MapGet("/interventions/verify", Verify).RequireAuthorization(LiveClaims.AdminPolicy)
            .WithSummary("Checks the tenant's audit log: every entry there, unchanged, in order (a hash chain).");
        return api;
    }

    private static async Task<Results<Created<InterventionEntry>, ValidationProblem, ProblemHttpResult>> Intervene(
        string id, InterventionRequest request, ClaimsPrincipal user, IGrainFactory grains, PersonNames names, [FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time)
    {
        var errors = new ValidationErrors();
        InterventionType type = default;
        if (request.Type is null || !EnumNames<InterventionType>.TryParse(request.Type, out type))
            errors.Add("type", $"Must be one of: {string.Join(", ", EnumNames<InterventionType>.Names)}.");
        if (string.IsNullOrWhiteSpace(request.Reason)) errors.Add("reason", "Required: say why, for the audit log.");
        else if (request.Reason.Length > Limits.MaxReasonLength) errors.Add("reason", $"At most {Limits.MaxReasonLength} characters.");
        var needsContent = type is InterventionType.SystemMessage or InterventionType.Override or InterventionType.Guide;
        // A handback's note to the agent is optional; a takeover carries none.
        var takesContent = needsContent || type == InterventionType.Handback;
        if (errors.IsEmpty && needsContent && string.IsNullOrWhiteSpace(request.Content))
            errors.Add("content", type == InterventionType.Guide ? "Required for guide: the note to the agent (the customer never sees it)." : "Required for this type: the text the customer sees.");
        if (request.Content is not null && System.Text.Encoding.UTF8.GetByteCount(request.Content) > Limits.MaxMessageTextBytes) errors.Add("content", "At most 32 KiB of UTF-8 text.");
        var target = errors.IsEmpty ? ReadTarget(type, request.Target, errors) : null;
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The intervention was not made; see errors.");
        if (!Limits.IsId(id)) return Problems.NotFound($"Session '{id}'");

        var command = new InterventionCommand
        {
            InterventionId = "int_" + ApiKeys.NewSecret(9).Replace('-', 'x').Replace('_', 'y'),
            Timestamp = TruncatedToMilliseconds(time.GetUtcNow()),
            AdminId = user.UserId(), Type = type, Reason = request.Reason!.Trim(),
            Content = takesContent && !string.IsNullOrWhiteSpace(request.Content) ? request.Content : null, Target = target,
            HolderName = type == InterventionType.Takeover ? await names.OfAsync(user.TenantId(), user.UserId()) : null,
            ByAdmin = type == InterventionType.Handback && user.IsInRole("admin"),
        };
        var outcome = await grains.GetGrain<IIngestGrain>(user.TenantId()).Intervene(id, command);
        return outcome switch
        {
            { Entry: { } entry } => TypedResults.Created($"/api/v1/interventions?sessionId={id}", await InterventionEntry.FromAsync(entry, names)),
            { Refusal: InterventionRefusal.UnknownSession } r => Problems.Status(StatusCodes.Status404NotFound, r.Detail!, "Not Found"),
            { Refusal: InterventionRefusal.NotHolder } r => Problems.Status(StatusCodes.Status403Forbidden, r.Detail!, "Forbidden"),
            var r => Problems.Status(StatusCodes.Status409Conflict, r.Detail!, "Conflict"),
        };
    }

    /// <summary>The audit entry's time is what the log keeps (milliseconds), so the answer equals what a replay shows.</summary>
    private static DateTimeOffset TruncatedToMilliseconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

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
            if (v.ValueKind == JsonValueKind.String && EventValidator.TryText(v, out var id) && Limits.IsId(id)) return id;
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

    private static async Task<Results<Ok<InterventionList>, ValidationProblem>> List([AsParameters] InterventionsQuery query, ClaimsPrincipal user, IAuditLog audit, IGrainFactory grains, PersonNames names)
    {
        var errors = new ValidationErrors();
        var sessionId = query.SessionId ?? "";
        if (sessionId.Length > 0 && !Limits.IsId(sessionId)) errors.Add("sessionId", "Not a session id.");
        var from = query.From?.Read("from", errors);
        var to = query.To?.Read("to", errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The query has invalid parameters; see errors.");
        var tenant = user.TenantId();
        IReadOnlyList<InterventionView> entries = await audit.QueryAsync(tenant, sessionId.Length == 0 ? null : sessionId, from, to);
        if (user.IsAgentRole())
        {
            // An agent sees the entries of the conversations it owns now.
            var visibility = user.Visible(LiveFilter.All);
            var owners = await Task.WhenAll(entries.Select(e => e.SessionId).Distinct().Select(async s =>
                (Session: s, Owner: (await grains.GetGrain<ISessionGrain>(LiveOrleans.Live.LiveKeys.Of(tenant, s)).GetDetail(0, 0, 0, null))?.Card.OwnerId)));
            var visible = owners.Where(o => LiveFilter.AllowsOptional(visibility.Owners, o.Owner)).Select(o => o.Session).ToHashSet(StringComparer.Ordinal);
            entries = [.. entries.Where(e => visible.Contains(e.SessionId))];
        }
        return TypedResults.Ok(new InterventionList(await InterventionEntry.FromAsync(entries, names)));
    }

    private static async Task<Ok<AuditVerification>> Verify(ClaimsPrincipal user, IAuditLog audit)
        => TypedResults.Ok(await audit.VerifyAsync(user.TenantId()));
}

using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Views;
using LiveOrleans.Live;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Grains;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Endpoints;

public sealed record AdminRequest([property: System.ComponentModel.DataAnnotations.Required] string? Username, [property: System.ComponentModel.DataAnnotations.Required] string? Password);
public sealed record CreateTenantRequest([property: System.ComponentModel.DataAnnotations.Required] string? Id, string? Name, string? TimeZone, [property: System.ComponentModel.DataAnnotations.Required] AdminRequest? Admin);
public sealed record CreateTenantResponse(string Id, string IngestKey);
public sealed record UpdateTenantRequest(string? Name, string? TimeZone, int? WaitingAlertSeconds);
public sealed record TenantResponse(string Id, string Name, string TimeZone, int WaitingAlertSeconds);
public sealed record CreateUserRequest([property: System.ComponentModel.DataAnnotations.Required] string? Username, [property: System.ComponentModel.DataAnnotations.Required] string? Password, string? Name, [property: System.ComponentModel.DataAnnotations.Required] string? Role, string? AgentId);
public sealed record UserResponse(string Id, string Username, string Name, Role Role, string? AgentId);
public sealed record UpdateUserRequest(string? Name, string? Role, string? AgentId);
public sealed record UserList(IReadOnlyList<UserResponse> Items);
public sealed record CreateApiKeyRequest(string? Name);
public sealed record ApiKeyResponse(string Key, string Id, string? Name);
public sealed record ApiKeyView(string Id, string? Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);
public sealed record ApiKeyList(IReadOnlyList<ApiKeyView> Items);
public sealed record AgentRequest([property: System.ComponentModel.DataAnnotations.Required] string? Name, [property: System.ComponentModel.DataAnnotations.Required] string? Kind, IReadOnlyList<string>? Teams, string? Color);
public sealed record AgentResponse(string Id, string Name, AgentKind Kind, IReadOnlyList<string> Teams, string? Color);
public sealed record TeamRequest([property: System.ComponentModel.DataAnnotations.Required] string? Name);
public sealed record TeamResponse(string Id, string Name);

/// <summary>Tenants, people, API keys and the agent and team directory.</summary>
public static class TenantEndpoints
{
    public const int MinPasswordLength = 8;

    public static RouteGroupBuilder MapTenantEndpoints(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("").WithTags("Administration");
        admin.MapPost("/tenants", CreateTenant).RequireAuthorization(LiveClaims.PlatformPolicy).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Creates a tenant with its first admin; answers its ingest key (platform administrator).");
        admin.MapGet("/tenant", GetTenant).RequireAuthorization(LiveClaims.ReadPolicy).ProducesProblem(StatusCodes.Status404NotFound).WithSummary("The caller's tenant.");
        admin.MapPut("/tenant", UpdateTenant).RequireAuthorization(LiveClaims.AdminPolicy).ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Renames the tenant or changes its time zone.");
        admin.MapGet("/users", ListUsers).RequireAuthorization(LiveClaims.AdminPolicy).WithSummary("The tenant's people, by username.");
        admin.MapPost("/users", CreateUser).RequireAuthorization(LiveClaims.AdminPolicy).ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Creates a person of the tenant.");
        admin.MapPut("/users/{id}", UpdateUser).RequireAuthorization(LiveClaims.AdminPolicy)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Changes a person's name, role or agent id; applies to their signed-in sessions within seconds. The tenant keeps at least one admin.");
        admin.MapDelete("/users/{id}", DeleteUser).RequireAuthorization(LiveClaims.AdminPolicy)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Removes a person; their tokens and dashboards stop within seconds. The tenant keeps at least one admin.");
        admin.MapGet("/apikeys", ListApiKeys).RequireAuthorization(LiveClaims.AdminPolicy).WithSummary("The tenant's API keys: id, name, created, last used (never the key).");
        admin.MapPost("/apikeys", CreateApiKey).RequireAuthorization(LiveClaims.AdminPolicy).WithSummary("Creates an ingest API key, optionally named; it is shown once.");
        admin.MapDelete("/apikeys/{id}", DeleteApiKey).RequireAuthorization(LiveClaims.AdminPolicy).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Revokes an API key: refused on every node within seconds, its runtime connections closed.");
        admin.MapPut("/agents/{id}", PutAgent).RequireAuthorization(LiveClaims.AdminPolicy).WithSummary("Creates or updates an agent of the directory.");
        admin.MapPut("/teams/{id}", PutTeam).RequireAuthorization(LiveClaims.AdminPolicy).WithSummary("Creates or renames a team.");
        return api;
    }

    private static async Task<Results<Created<CreateTenantResponse>, ValidationProblem, ProblemHttpResult>> CreateTenant(
        CreateTenantRequest request, TenantAdministration tenants)
    {
        var errors = new ValidationErrors();
        if (request.Id is null || !Limits.SlugPattern().IsMatch(request.Id)) errors.Add("id", "Must be 1 to 63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit.");
        // The name is optional (the id by default): a missing id is the one error then.
        var name = request.Name is null && request.Id is null ? null : CheckName(request.Name ?? request.Id, "name", errors);
        var timeZone = request.TimeZone ?? "UTC";
        CheckTimeZone(timeZone, "timeZone", errors);
        if (request.Admin is null) errors.Add("admin", "Required: {username, password} of the tenant's first admin.");
        else CheckCredentials(request.Admin.Username, request.Admin.Password, "admin.", errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The tenant could not be created; see errors.");

        var key = ApiKeys.NewKey();
        try
        {
            await tenants.CreateAsync(request.Id!, name!, timeZone, request.Admin!.Username!, request.Admin.Password!, key, platformAdmin: false);
        }
        catch (AlreadyExistsException ex)
        {
            return Problems.Status(StatusCodes.Status409Conflict, ex.Message, "Conflict");
        }
        return TypedResults.Created($"/api/v1/tenant", new CreateTenantResponse(request.Id!, key));
    }

    private static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetTenant(ClaimsPrincipal user, IIdentityStore identity, LiveReader reader)
        => await Describe(user.TenantId(), identity, reader) is { } response ? TypedResults.Ok(response) : Problems.NotFound("The tenant");

    private static async Task<TenantResponse?> Describe(string tenant, IIdentityStore identity, LiveReader reader)
    {
        if (await identity.FindTenantAsync(tenant) is not { } t) return null;
        var settings = await reader.SettingsAsync(tenant);
        return new TenantResponse(t.Id, t.Name, t.TimeZone, settings.WaitingAlertSeconds);
    }

    private static async Task<Results<Ok<TenantResponse>, ValidationProblem, ProblemHttpResult>> UpdateTenant(
        UpdateTenantRequest request, ClaimsPrincipal user, IIdentityStore identity, TenantAdministration tenants, LiveReader reader)
    {
        var errors = new ValidationErrors();
        if (request.Name is not null) CheckName(request.Name, "name", errors);
        if (request.TimeZone is not null) CheckTimeZone(request.TimeZone, "timeZone", errors);
        if (request.WaitingAlertSeconds is < 1 or > 86_400) errors.Add("waitingAlertSeconds", "Must be from 1 to 86400 seconds.");
        if (request.Name is null && request.TimeZone is null && request.WaitingAlertSeconds is null)
            errors.Add("name", "Send name, timeZone, waitingAlertSeconds or several of them.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The tenant was not changed; see errors.");
        var tenant = user.TenantId();
        await tenants.UpdateAsync(tenant, request.Name, request.TimeZone, request.WaitingAlertSeconds);
        return await Describe(tenant, identity, reader) is { } response ? TypedResults.Ok(response) : Problems.NotFound("The tenant");
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, ClaimsPrincipal caller, IIdentityStore identity, AccessAudit audit, [FromKeyedServices(LiveTime.Key)] TimeProvider time)
    {
        var errors = new ValidationErrors();
        CheckCredentials(request.Username, request.Password, "", errors);
        var name = request.Name is null && request.Username is null ? null : CheckName(request.Name ?? request.Username, "name", errors);
        Role role = Role.Viewer;
        if (request.Role is null || !EnumNames<Role>.TryParse(request.Role, out role)) errors.Add("role", $"Must be one of: {string.Join(", ", EnumNames<Role>.Names)}.");
        if (request.AgentId is not null && !Limits.IsId(request.AgentId)) errors.Add("agentId", "Must be an id of A-Z, a-z, 0-9, '_', '.', ':' or '-'.");
        if (role == Role.Agent && request.AgentId is null) errors.Add("agentId", "Required for role agent: the agent id whose conversations the person owns.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The user could not be created; see errors.");

        var user = new UserRecord(TenantAdministration.NewUserId(), caller.TenantId(), request.Username!, name!, role, request.AgentId,
            PlatformAdmin: false, PasswordHasher.Hash(request.Password!));
        try
        {
            await identity.CreateUserAsync(user, time.GetUtcNow());
        }
        catch (AlreadyExistsException ex)
        {
            return Problems.Status(StatusCodes.Status409Conflict, ex.Message, "Conflict");
        }
        audit.UserCreated(caller, user);
        return TypedResults.Created($"/api/v1/users/{user.Id}", Describe(user));
    }

    private static UserResponse Describe(UserRecord user) => new(user.Id, user.Username, user.Name, user.Role, user.AgentId);

    private static async Task<Ok<UserList>> ListUsers(ClaimsPrincipal caller, IIdentityStore identity)
        => TypedResults.Ok(new UserList([.. (await identity.UsersAsync(caller.TenantId())).Select(Describe)]));

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> UpdateUser(
        string id, UpdateUserRequest? request, ClaimsPrincipal caller, IIdentityStore identity, AccessCache access, AccessAudit audit)
    {
        // Another tenant's person answers exactly as one that does not exist, before anything about the body.
        var tenant = caller.TenantId();
        if (!Limits.IsId(id) || await identity.FindUserByIdAsync(id) is not { } current || current.Tenant != tenant) return UserNotFound(id);
        var errors = new ValidationErrors();
        var name = request?.Name is null ? null : CheckName(request.Name, "name", errors);
        Role? role = null;
        if (request?.Role is not null)
        {
            if (EnumNames<Role>.TryParse(request.Role, out var parsed)) role = parsed;
            else errors.Add("role", $"Must be one of: {string.Join(", ", EnumNames<Role>.Names)}.");
        }
        if (request?.AgentId is not null && !Limits.IsId(request.AgentId)) errors.Add("agentId", "Must be an id of A-Z, a-z, 0-9, '_', '.', ':' or '-'.");
        if (role == Role.Agent && request?.AgentId is null && current.AgentId is null)
            errors.Add("agentId", "Required for role agent: the agent id whose conversations the person owns.");
        if (request?.Name is null && request?.Role is null && request?.AgentId is null) errors.Add("name", "Send name, role, agentId or several of them.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The person was not changed; see errors.");

        var (change, user) = await identity.UpdateUserAsync(tenant, id, name, role, request!.AgentId);
        access.ForgetUser(id);
        if (change == UserChange.Done) audit.UserChanged(caller, current, user!);
        return change switch
        {
            UserChange.Done => TypedResults.Ok(Describe(user!)),
            UserChange.LastAdmin => LastAdmin(user!, "demoted"),
            UserChange.PlatformAdmin => PlatformAdmin(user!, "demoted"),
            _ => UserNotFound(id),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteUser(string id, ClaimsPrincipal caller, IIdentityStore identity, AccessCache access, AccessAudit audit)
    {
        if (!Limits.IsId(id)) return UserNotFound(id);
        var (change, user) = await identity.DeleteUserAsync(caller.TenantId(), id);
        access.ForgetUser(id);
        if (change == UserChange.Done) audit.UserRemoved(caller, user!);
        return change switch
        {
            UserChange.Done => TypedResults.NoContent(),
            UserChange.LastAdmin => LastAdmin(user!, "removed"),
            UserChange.PlatformAdmin => PlatformAdmin(user!, "removed"),
            _ => UserNotFound(id),
        };
    }

    private static ProblemHttpResult UserNotFound(string id) => Problems.NotFound($"Person '{Shorten(id)}'");

    private static ProblemHttpResult LastAdmin(UserRecord user, string what)
        => Problems.Status(StatusCodes.Status409Conflict,
            $"'{user.Username}' is the tenant's last admin and cannot be {what}: make another person admin first.", "Conflict");

    private static ProblemHttpResult PlatformAdmin(UserRecord user, string what)
        => Problems.Status(StatusCodes.Status409Conflict, $"'{user.Username}' is the platform administrator and cannot be {what}.", "Conflict");

    private static async Task<Ok<ApiKeyList>> ListApiKeys(ClaimsPrincipal caller, IIdentityStore identity)
        => TypedResults.Ok(new ApiKeyList([.. (await identity.ApiKeysOfAsync(caller.TenantId())).Select(k => new ApiKeyView(k.Id, k.Name, k.CreatedAt, k.LastUsedAt))]));

    private static async Task<Results<Created<ApiKeyResponse>, ValidationProblem>> CreateApiKey(
        CreateApiKeyRequest? request, ClaimsPrincipal caller, IIdentityStore identity, AccessAudit audit, [FromKeyedServices(LiveTime.Key)] TimeProvider time)
    {
        var errors = new ValidationErrors();
        var name = request?.Name is null ? null : CheckName(request.Name, "name", errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The API key was not created; see errors.");
        var key = ApiKeys.NewKey();
        var id = await identity.AddApiKeyAsync(caller.TenantId(), ApiKeys.Hash(key), name, time.GetUtcNow());
        audit.KeyCreated(caller, id, name);
        return TypedResults.Created("/api/v1/apikeys", new ApiKeyResponse(key, id, name));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteApiKey(string id, ClaimsPrincipal caller, IIdentityStore identity, AccessCache access, AccessAudit audit)
    {
        if (!Limits.IsId(id) || await identity.DeleteApiKeyAsync(caller.TenantId(), id) is not { } hash) return Problems.NotFound($"API key '{Shorten(id)}'");
        access.ForgetKey(hash);
        audit.KeyRevoked(caller, id);
        return TypedResults.NoContent();
    }

    private static string Shorten(string id) => id.Length <= 40 ? id : id[..40] + "…";

    private static async Task<Results<Ok<AgentResponse>, ValidationProblem>> PutAgent(
        string id, AgentRequest request, ClaimsPrincipal caller, IGrainFactory grains)
    {
        var errors = new ValidationErrors();
        if (!Limits.IsId(id)) errors.Add("id", "Must be an id of A-Z, a-z, 0-9, '_', '.', ':' or '-' (at most 128).");
        var name = CheckName(request.Name, "name", errors);
        AgentKind kind = AgentKind.Ai;
        if (request.Kind is null || !EnumNames<AgentKind>.TryParse(request.Kind, out kind)) errors.Add("kind", "Must be ai or human.");
        var teams = request.Teams ?? [];
        if (teams.Count > Limits.MaxTeamsPerAgent) errors.Add("teams", $"At most {Limits.MaxTeamsPerAgent} teams.");
        for (var i = 0; i < teams.Count; i++)
        {
            if (!Limits.IsId(teams[i])) errors.Add($"teams[{i}]", "Must be a team id of A-Z, a-z, 0-9, '_', '.', ':' or '-'.");
        }
        if (request.Color is not null && !Limits.ColorPattern().IsMatch(request.Color)) errors.Add("color", "Must be a hex colour like #4f7cff.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The agent was not saved; see errors.");

        var distinctTeams = teams.Distinct(StringComparer.Ordinal).ToArray();
        var record = await grains.GetGrain<IIngestGrain>(caller.TenantId()).ConfigureAgent(id, new AgentConfiguration(name!, kind, distinctTeams, request.Color));
        return TypedResults.Ok(new AgentResponse(id, record.Name, record.Kind, record.Teams, record.Color));
    }

    private static async Task<Results<Ok<TeamResponse>, ValidationProblem>> PutTeam(
        string id, TeamRequest request, ClaimsPrincipal caller, IGrainFactory grains)
    {
        var errors = new ValidationErrors();
        if (!Limits.IsId(id)) errors.Add("id", "Must be an id of A-Z, a-z, 0-9, '_', '.', ':' or '-' (at most 128).");
        var name = CheckName(request.Name, "name", errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors, "The team was not saved; see errors.");
        await grains.GetGrain<ITenantGrain>(caller.TenantId()).ConfigureTeam(id, name!);
        return TypedResults.Ok(new TeamResponse(id, name!));
    }

    private static string? CheckName(string? name, string field, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(name)) errors.Add(field, "Required.");
        else if (name.Length > Limits.MaxNameLength) errors.Add(field, $"At most {Limits.MaxNameLength} characters.");
        else if (Limits.NameProblem(name) is { } problem) errors.Add(field, problem);
        else return name.Trim();
        return null;
    }

    private static void CheckTimeZone(string zone, string field, ValidationErrors errors)
    {
        // The length first: the value is neither looked up nor echoed when it cannot be a zone id.
        if (zone.Length > Limits.MaxTimeZoneLength) errors.Add(field, $"At most {Limits.MaxTimeZoneLength} characters: an IANA time zone such as Europe/Berlin or America/New_York.");
        else if (!TenantClock.IsKnownZone(zone)) errors.Add(field, $"\"{zone}\" is not an IANA time zone such as Europe/Berlin or America/New_York.");
    }

    private static void CheckCredentials(string? username, string? password, string prefix, ValidationErrors errors)
    {
        if (username is null || !Limits.SlugPattern().IsMatch(username))
            errors.Add(prefix + "username", "Must be 1 to 63 characters of a-z, 0-9, '_' or '-'.");
        if (password is null || password.Length < MinPasswordLength || password.Length > 256)
            errors.Add(prefix + "password", $"Must be {MinPasswordLength} to 256 characters.");
    }
}

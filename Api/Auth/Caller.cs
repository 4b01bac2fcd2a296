namespace LiveOrleans.Api.Auth;

/// <summary>Claim names and policies of LiveOrleans.</summary>
public static partial class LiveClaims
{
    public const string Tenant = "tid";
    public const string Agent = "agt";
    public const string PlatformAdmin = "pla";
    /// <summary>When the access token expires (Unix seconds): hub connections close then.</summary>
    public const string Expires = "exp";
    /// <summary>The hash of the API key a producer presented: its runtime-hub connection closes when the key is revoked.</summary>
    public const string KeyHash = "kh";
    public const string ProducerRole = "producer";

    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";
    public const string BasicScheme = "Basic";

    /// <summary>Any signed-in person of a tenant.</summary>
    public const string ReadPolicy = "read";
    /// <summary>Tenant administrators.</summary>
    public const string AdminPolicy = "admin";
    /// <summary>People with <c>sessions:intervene</c> (admin, supervisor).</summary>
    public const string IntervenePolicy = "sessions:intervene";
    /// <summary>The platform administrator created at bootstrap.</summary>
    public const string PlatformPolicy = "platform";
    /// <summary>The platform administrator in a browser (HTTP Basic), for Orleans' own dashboard at <c>/orleans</c>.</summary>
    public const string OperatorPolicy = "operator";
    /// <summary>Producers holding a tenant API key.</summary>
    public const string ProducerPolicy = "producer";
}

/// <summary>Builds and reads principals.</summary>
public static partial class LiveClaims
{
    /// <summary>A person as the store has them now, signed in with a token that expires at <paramref name="expires"/>.</summary>
    public static ClaimsPrincipal Principal(LiveOrleans.Storage.UserRecord user, DateTimeOffset expires, string scheme)
        => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(ClaimTypes.Name, user.Name),
            new Claim(ClaimTypes.Role, EnumNames<Role>.Name(user.Role)),
            new Claim(Tenant, user.Tenant),
            new Claim(Expires, expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            .. user.AgentId is null ? Array.Empty<Claim>() : [new Claim(Agent, user.AgentId)],
            .. user.PlatformAdmin ? [new Claim(PlatformAdmin, "true")] : Array.Empty<Claim>(),
        ], scheme));
}

/// <summary>Reads who is calling from the authenticated principal.</summary>
public static class CallerExtensions
{
    public static string TenantId(this ClaimsPrincipal user) => user.FindFirstValue(LiveClaims.Tenant)
        ?? throw new InvalidOperationException("The caller has no tenant.");

    public static string UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    public static string? AgentId(this ClaimsPrincipal user) => user.FindFirstValue(LiveClaims.Agent);

    public static bool IsAgentRole(this ClaimsPrincipal user) => user.IsInRole("agent");

    /// <summary>What a caller may see: role <c>agent</c> only conversations it owns.</summary>
    public static LiveFilter Visible(this ClaimsPrincipal user, LiveFilter filter)
        => user.IsAgentRole() ? filter.RestrictToOwner(user.AgentId() ?? LiveFilter.NoOwnerMatches) : filter;
}

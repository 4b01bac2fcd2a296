using System.Text.Encodings.Web;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Api.Auth;

/// <summary>Bearer access tokens from <c>Authorization: Bearer</c>, or <c>?access_token=</c> on hub paths (WebSockets cannot send headers).</summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var header = Request.Headers.Authorization.ToString();
        if (Request.Path.StartsWithSegments("/hubs/runtime")) return Task.FromResult(AuthenticateResult.NoResult()); // API keys there
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header["Bearer ".Length..].Trim();
        else if (Request.Path.StartsWithSegments("/hubs")) token = Request.Query["access_token"];
        if (string.IsNullOrEmpty(token)) return Task.FromResult(AuthenticateResult.NoResult());
        var claims = tokens.Validate(token);
        if (claims is null) return Task.FromResult(AuthenticateResult.Fail("The access token is invalid or expired."));
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, claims.UserId),
            new Claim(ClaimTypes.Name, claims.Name),
            new Claim(ClaimTypes.Role, EnumNames<Role>.Name(claims.Role)),
            new Claim(LiveClaims.Tenant, claims.Tenant),
            .. claims.AgentId is null ? Array.Empty<Claim>() : [new Claim(LiveClaims.Agent, claims.AgentId)],
            .. claims.PlatformAdmin ? [new Claim(LiveClaims.PlatformAdmin, "true")] : Array.Empty<Claim>(),
        ], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            "Send a valid access token: Authorization: Bearer <token> from POST /api/v1/auth/token.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this.");
}

/// <summary>Producers: a tenant API key in <c>X-Api-Key</c>; the key decides the tenant.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IdentityStore identity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[HeaderName].ToString();
        if (string.IsNullOrEmpty(key) && Request.Path.StartsWithSegments("/hubs/runtime"))
        {
            // SignalR clients send their access token as a bearer header, or in the query for WebSockets.
            var header = Request.Headers.Authorization.ToString();
            key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : Request.Query["access_token"].ToString();
        }
        if (string.IsNullOrEmpty(key)) return Task.FromResult(AuthenticateResult.NoResult());
        var tenant = key.Length <= 128 ? identity.TenantOfKey(key) : null;
        if (tenant is null) return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(LiveClaims.Tenant, tenant),
            new Claim(ClaimTypes.Role, LiveClaims.ProducerRole),
        ], Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            $"Send a valid tenant API key in the {HeaderName} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "This API key may not do this.");
}

/// <summary>
/// HTTP Basic for the pages a browser opens without a token (Orleans' dashboard at <c>/orleans</c>): the user name is
/// <c>{tenant}/{username}</c>. Only the platform administrator passes the policy in front of those pages.
/// </summary>
public sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IdentityStore identity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
        string decoded;
        try
        {
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return Task.FromResult(AuthenticateResult.Fail("Malformed Basic credentials."));
        }
        var colon = decoded.IndexOf(':');
        var slash = decoded.IndexOf('/');
        if (colon <= 0 || slash <= 0 || slash > colon) return Task.FromResult(AuthenticateResult.Fail("Give the user as tenant/username."));
        var user = identity.FindUser(decoded[..slash], decoded[(slash + 1)..colon]);
        if (user is null || !PasswordHasher.Verify(decoded[(colon + 1)..], user.PasswordHash)) return Task.FromResult(AuthenticateResult.Fail("Unknown user or password."));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(LiveClaims.Tenant, user.Tenant),
            .. user.PlatformAdmin ? [new Claim(LiveClaims.PlatformAdmin, "true")] : Array.Empty<Claim>(),
        ], Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Another scheme of the same policy may have answered already.
        if (!Response.HasStarted) Response.Headers.WWWAuthenticate = "Basic realm=\"LiveOrleans operators\", charset=\"UTF-8\"";
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in as the platform administrator (user: tenant/username).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "Only the platform administrator may open this.");
}

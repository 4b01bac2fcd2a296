using System.Text.Encodings.Web;
using LiveOrleans.Api.Endpoints;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Api.Auth;

/// <summary>
/// Bearer access tokens from <c>Authorization: Bearer</c>, or <c>?access_token=</c> on hub paths (WebSockets cannot
/// send headers). The token names the person; what they may do is what the store says of them now (role, agent id),
/// as this node last read it (<see cref="AccessCache"/>): a removed person's token fails, a changed role applies, within
/// seconds on every node.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenService tokens, AccessCache access)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var header = Request.Headers.Authorization.ToString();
        if (Request.Path.StartsWithSegments("/hubs/runtime")) return AuthenticateResult.NoResult(); // API keys there
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header["Bearer ".Length..].Trim();
        else if (Request.Path.StartsWithSegments("/hubs")) token = Request.Query["access_token"];
        if (string.IsNullOrEmpty(token)) return AuthenticateResult.NoResult();
        var claims = tokens.Validate(token);
        if (claims is null) return AuthenticateResult.Fail("The access token is invalid or expired.");
        UserRecord? user;
        try
        {
            user = await access.UserAsync(claims.UserId);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or StoreUnavailableException && Request.Path.StartsWithSegments("/health"))
        {
            // Health answers anyone, and knows the caller only to add details: a store that cannot be read must not turn
            // the readiness report into an error (elsewhere the failure answers 503, and the client retries).
            return AuthenticateResult.NoResult();
        }
        if (user is null || user.Tenant != claims.Tenant) return AuthenticateResult.Fail("The access token's user no longer exists.");
        return AuthenticateResult.Success(new AuthenticationTicket(LiveClaims.Principal(user, claims.ExpiresAt, Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            "Send a valid access token: Authorization: Bearer <token> from POST /api/v1/auth/token.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this.");
}

/// <summary>
/// Producers: a tenant API key in <c>X-Api-Key</c>; the key decides the tenant. On <c>/hubs/runtime</c> it may come as
/// the SignalR access token, and on <c>GET /api/v1/control</c> as <c>?access_token=</c> (for EventSource, which cannot
/// send headers). A revoked key fails within seconds on every node (<see cref="AccessCache"/>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccessCache access)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string HeaderName = "X-Api-Key";

    /// <summary>The Server-Sent-Events stream of control commands, which also takes the key as <c>?access_token=</c>.</summary>
    public const string ControlStreamPath = "/api/v1/control";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[HeaderName].ToString();
        if (string.IsNullOrEmpty(key) && Request.Path.StartsWithSegments("/hubs/runtime"))
        {
            // SignalR clients send their access token as a bearer header, or in the query for WebSockets.
            var header = Request.Headers.Authorization.ToString();
            key = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : Request.Query["access_token"].ToString();
        }
        else if (string.IsNullOrEmpty(key) && HttpMethods.IsGet(Request.Method) && Request.Path.Equals(ControlStreamPath, StringComparison.OrdinalIgnoreCase))
        {
            key = Request.Query["access_token"].ToString();
        }
        if (string.IsNullOrEmpty(key)) return AuthenticateResult.NoResult();
        var hash = key.Length <= 128 ? ApiKeys.Hash(key) : null;
        var owner = hash is null ? null : await access.KeyAsync(hash);
        if (owner is null) return AuthenticateResult.Fail("Unknown API key.");
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(LiveClaims.Tenant, owner.Tenant),
            new Claim(ClaimTypes.Role, LiveClaims.ProducerRole),
            new Claim(LiveClaims.KeyHash, hash!),
        ], Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            $"Send a valid tenant API key in the {HeaderName} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "This API key may not do this.");
}

/// <summary>
/// HTTP Basic for the pages a browser opens without a token (Orleans' dashboard at <c>/orleans</c>, <c>/metrics</c>):
/// the user name is <c>{tenant}/{username}</c>. Only the platform administrator passes the policies in front of those
/// pages. Failures are braked per source by the sign-in's <see cref="LoginThrottle"/> (429 with <c>Retry-After</c>),
/// and an unknown user's password is checked against a decoy hash, so known and unknown users take the same time.
/// </summary>
public sealed partial class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IIdentityStore identity, LoginThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string ThrottledItem = "LiveOrleans.BasicThrottled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var source = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.RetryAfter(source) is { } wait)
        {
            Context.Items[ThrottledItem] = wait;
            return AuthenticateResult.Fail("Too many failed sign-ins from this address.");
        }
        var user = await CheckAsync(header["Basic ".Length..].Trim());
        if (user is null)
        {
            throttle.Failed(source);
            Log.Refused(Logger, source);
            return AuthenticateResult.Fail("Unknown user or password.");
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(LiveClaims.Tenant, user.Tenant),
            .. user.PlatformAdmin ? [new Claim(LiveClaims.PlatformAdmin, "true")] : Array.Empty<Claim>(),
        ], Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    /// <summary>The user whose credentials these are, or null; every well-formed attempt costs one password hash.</summary>
    private async Task<UserRecord?> CheckAsync(string credentials)
    {
        string decoded;
        try
        {
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(credentials));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        var slash = decoded.IndexOf('/');
        if (colon <= 0 || slash <= 0 || slash > colon) return null;
        var (tenant, username, password) = (decoded[..slash], decoded[(slash + 1)..colon], decoded[(colon + 1)..]);
        var user = tenant.Length > 64 || username.Length > 64 || password.Length > 256 ? null : await identity.FindUserAsync(tenant, username);
        // Unknown users verify the decoy: the same answer in the same time as a wrong password.
        var verified = PasswordHasher.Verify(password.Length > 256 ? "" : password, user?.PasswordHash ?? PasswordHasher.DecoyHash);
        return verified ? user : null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledItem] is TimeSpan wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            if (!Response.HasStarted) Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Write(Context, StatusCodes.Status429TooManyRequests, "Too Many Requests",
                $"Too many failed sign-ins from this address; try again in {seconds} s.");
        }
        // Another scheme of the same policy may have answered already.
        if (!Response.HasStarted) Response.Headers.WWWAuthenticate = "Basic realm=\"LiveOrleans operators\", charset=\"UTF-8\"";
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in as the platform administrator (user: tenant/username).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "Only the platform administrator may open this.");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "HTTP Basic sign-in refused for {Source}.")]
        public static partial void Refused(ILogger logger, string source);
    }
}

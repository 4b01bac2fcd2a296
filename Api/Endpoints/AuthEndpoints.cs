using System.Collections.Concurrent;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Endpoints;

public sealed record TokenRequest([property: System.ComponentModel.DataAnnotations.Required] string? Tenant, [property: System.ComponentModel.DataAnnotations.Required] string? Username, [property: System.ComponentModel.DataAnnotations.Required] string? Password);

public sealed record TokenUser(string Id, string Name, Role Role);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, TokenUser User);

/// <summary>Sign-in: a tenant, username and password for an access token.</summary>
public static class AuthEndpoints
{
    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", IssueToken).AllowAnonymous().WithTags("Authentication")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Exchanges a tenant, username and password for a bearer access token.");
        return api;
    }

    private static Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult> IssueToken(
        TokenRequest request, HttpContext context, IdentityStore identity, TokenService tokens, LoginThrottle throttle)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(request.Tenant)) errors.Add("tenant", "Required.");
        if (string.IsNullOrEmpty(request.Username)) errors.Add("username", "Required.");
        if (string.IsNullOrEmpty(request.Password)) errors.Add("password", "Required.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "Send tenant, username and password.");

        // The brake is on the source of the failures, not on the account: an attacker slows himself down, the owner
        // signing in from elsewhere is not locked out.
        var source = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.RetryAfter(source) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Status(StatusCodes.Status429TooManyRequests,
                $"Too many failed sign-ins from this address; try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s.", "Too Many Requests");
        }
        var user = request.Tenant!.Length > 64 || request.Username!.Length > 64 || request.Password!.Length > 256
            ? null
            : identity.FindUser(request.Tenant, request.Username!);
        // Unknown users verify a decoy hash: the answer and its time are the same as for a wrong password.
        var verified = PasswordHasher.Verify(request.Password!.Length > 256 ? "" : request.Password, user?.PasswordHash ?? PasswordHasher.DecoyHash);
        if (user is null || !verified)
        {
            throttle.Failed(source);
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unknown tenant, username or password.", "Unauthorized");
        }
        var (token, expires) = tokens.Issue(user);
        return TypedResults.Ok(new TokenResponse(token, expires, new TokenUser(user.Id, user.Name, user.Role)));
    }
}

/// <summary>
/// Slows down a source of failed sign-ins: after <see cref="FreeFailures"/> failures within <see cref="Window"/>,
/// each further failure doubles the wait before that source may try again (1 s, 2 s, 4 s … at most
/// <see cref="MaxWait"/>). Only the source waits: accounts are never locked. In memory, per Api node.
/// </summary>
public sealed class LoginThrottle([FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time)
{
    public const int FreeFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Since, DateTimeOffset Until)> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the source must still wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string source)
    {
        if (!_failures.TryGetValue(source, out var f)) return null;
        var wait = f.Until - time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : null;
    }

    public void Failed(string source)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(source, (1, now, now), (_, f) =>
        {
            if (now - f.Since >= Window) return (1, now, now);
            var count = f.Count + 1;
            var over = count - FreeFailures;
            var wait = over <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxWait.TotalSeconds, Math.Pow(2, Math.Min(over - 1, 20))));
            return (count, f.Since, now + wait);
        });
        if (_failures.Count > 100_000)
        {
            foreach (var (key, f) in _failures) if (now - f.Since >= Window) _failures.TryRemove(key, out _);
        }
    }
}

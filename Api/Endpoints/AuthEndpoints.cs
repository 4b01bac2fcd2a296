using System.Collections.Concurrent;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Endpoints;

public sealed record TokenRequest(string? Tenant, string? Username, string? Password);

public sealed record TokenUser(string Id, string Name, Role Role);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, TokenUser User);

/// <summary>Sign-in: a tenant, username and password for an access token.</summary>
public static class AuthEndpoints
{
    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", IssueToken).AllowAnonymous().WithTags("Authentication")
            .WithSummary("Exchanges a tenant, username and password for a bearer access token.");
        return api;
    }

    private static Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult> IssueToken(
        TokenRequest request, IdentityStore identity, TokenService tokens, LoginThrottle throttle)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(request.Tenant)) errors.Add("tenant", "Required.");
        if (string.IsNullOrEmpty(request.Username)) errors.Add("username", "Required.");
        if (string.IsNullOrEmpty(request.Password)) errors.Add("password", "Required.");
        if (!errors.IsEmpty) return Problems.Invalid(errors, "Send tenant, username and password.");
        if (request.Tenant!.Length > 64 || request.Username!.Length > 64 || request.Password!.Length > 256)
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unknown tenant, username or password.", "Unauthorized");

        var key = $"{request.Tenant}\n{request.Username}";
        if (throttle.IsLocked(key))
            return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins for this user; wait a few minutes.", "Too Many Requests");
        var user = identity.FindUser(request.Tenant, request.Username!);
        if (user is null || !PasswordHasher.Verify(request.Password!, user.PasswordHash))
        {
            throttle.Failed(key);
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unknown tenant, username or password.", "Unauthorized");
        }
        throttle.Succeeded(key);
        var (token, expires) = tokens.Issue(user);
        return TypedResults.Ok(new TokenResponse(token, expires, new TokenUser(user.Id, user.Name, user.Role)));
    }
}

/// <summary>Locks a sign-in name for a while after repeated failures (a brake on password guessing).</summary>
public sealed class LoginThrottle([FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    public bool IsLocked(string key)
        => _failures.TryGetValue(key, out var f) && f.Count >= MaxFailures && time.GetUtcNow() - f.Since < Window;

    public void Failed(string key)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(key, (1, now), (_, f) => now - f.Since >= Window ? (1, now) : (f.Count + 1, f.Since));
        if (_failures.Count > 100_000) _failures.Clear();
    }

    public void Succeeded(string key) => _failures.TryRemove(key, out _);
}

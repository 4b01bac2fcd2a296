using System.Threading.RateLimiting;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Storage;

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

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueToken(
        TokenRequest request, HttpContext context, IIdentityStore identity, TokenService tokens, LoginThrottle throttle)
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
            : await identity.FindUserAsync(request.Tenant, request.Username!);
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
/// <remarks>
/// A <see cref="PartitionedRateLimiter{TResource}"/> keyed by source keeps the sources and forgets one once its window
/// has passed; the doubling wait is a small <see cref="RateLimiter"/> of ours, since the library's limiters refuse for
/// a fixed window or rate and the contract promises a wait that grows with each failure.
/// </remarks>
public sealed class LoginThrottle([FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time) : IDisposable
{
    public const int FreeFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(15);

    private readonly PartitionedRateLimiter<string> _sources = PartitionedRateLimiter.Create<string, string>(
        source => RateLimitPartition.Get(source, _ => new FailureBrake(time)), StringComparer.Ordinal);

    /// <summary>How long the source must still wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string source)
    {
        using var lease = _sources.AttemptAcquire(source, 0);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : MaxWait;
    }

    public void Failed(string source) => _sources.AttemptAcquire(source, 1).Dispose();

    public void Dispose() => _sources.Dispose();

    /// <summary>
    /// One source's brake, whose permits are failed sign-ins: acquiring records that many failures, and a lease (of any
    /// count, 0 to only ask) is refused while the source must wait, with the wait as <see cref="MetadataName.RetryAfter"/>.
    /// </summary>
    private sealed class FailureBrake(TimeProvider time) : RateLimiter
    {
        private readonly Lock _lock = new();
        private readonly DateTimeOffset _created = time.GetUtcNow();
        private int _count;
        private DateTimeOffset _since, _until;

        /// <summary>Idle once nothing of it counts any more: its window and its wait passed (without failures: since it was made).</summary>
        public override TimeSpan? IdleDuration
        {
            get
            {
                lock (_lock)
                {
                    var idle = time.GetUtcNow() - (_count == 0 ? _created : _since + Window > _until ? _since + Window : _until);
                    return idle > TimeSpan.Zero ? idle : null;
                }
            }
        }

        public override RateLimiterStatistics? GetStatistics()
        {
            lock (_lock) return new RateLimiterStatistics { CurrentAvailablePermits = Math.Max(0, FreeFailures - _count) };
        }

        protected override RateLimitLease AttemptAcquireCore(int permitCount)
        {
            var now = time.GetUtcNow();
            lock (_lock)
            {
                for (var i = 0; i < permitCount; i++)
                {
                    if (_count == 0 || now - _since >= Window) (_count, _since, _until) = (1, now, now);
                    else
                    {
                        _count++;
                        var over = _count - FreeFailures;
                        var wait = over <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxWait.TotalSeconds, Math.Pow(2, Math.Min(over - 1, 20))));
                        _until = now + wait;
                    }
                }
                var left = _until - now;
                return left > TimeSpan.Zero ? new Lease(left) : Allowed;
            }
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
            => ValueTask.FromResult(AttemptAcquireCore(permitCount));

        private static readonly RateLimitLease Allowed = new Lease(null);

        /// <summary>Acquired without a wait; refused with one.</summary>
        private sealed class Lease(TimeSpan? wait) : RateLimitLease
        {
            public override bool IsAcquired => wait is null;

            public override IEnumerable<string> MetadataNames => wait is null ? [] : [MetadataName.RetryAfter.Name];

            public override bool TryGetMetadata(string metadataName, out object? metadata)
            {
                var known = wait is not null && metadataName == MetadataName.RetryAfter.Name;
                metadata = known ? wait : null;
                return known;
            }
        }
    }
}

using System.Net;
using LiveOrleans.Api.Auth;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LiveOrleans.Api.Hosting;

/// <summary>
/// What the engine reports about itself: OpenTelemetry metrics (the engine's own, ASP.NET Core's, the .NET runtime's
/// and Orleans') on a Prometheus endpoint and, when <c>Telemetry:OtlpEndpoint</c> is set, over OTLP with traces;
/// and the health endpoints a load balancer or orchestrator asks. See docs/operations.md.
/// </summary>
public static class Observability
{
    public const string MetricsPolicy = "metrics";

    public static WebApplicationBuilder AddLiveObservability(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var otlp = configuration["Telemetry:OtlpEndpoint"];
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("liveorleans", serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(m =>
            {
                m.AddMeter(LiveTelemetry.Name);
                // Orleans records per message once its meter is listened to: on by default, off with Telemetry:OrleansMeters=false.
                if (configuration.GetValue("Telemetry:OrleansMeters", true)) m.AddMeter("Microsoft.Orleans");
                m.AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0); // every scrape sees the figures of its moment
                if (!string.IsNullOrEmpty(otlp)) m.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            });
        if (!string.IsNullOrEmpty(otlp))
        {
            // Traces only go somewhere when a collector is configured: an ingest request, its validation, the grain calls.
            telemetry.WithTracing(t => t
                .AddSource(LiveTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation(o => o.Filter = c => !c.Request.Path.StartsWithSegments("/health") && !c.Request.Path.StartsWithSegments("/metrics"))
                .AddOtlpExporter(o => o.Endpoint = new Uri(otlp)));
        }

        var networks = (configuration["Telemetry:MetricsNetworks"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => IPNetwork.TryParse(n, out var network) ? network : throw new InvalidOperationException($"Telemetry:MetricsNetworks: '{n}' is not a network such as 10.0.0.0/8."))
            .ToArray();
        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, p => p
            .AddAuthenticationSchemes(LiveClaims.BasicScheme, LiveClaims.BearerScheme)
            .RequireAssertion(c => c.User.HasClaim(LiveClaims.PlatformAdmin, "true")
                || (c.Resource is HttpContext http && http.Connection.RemoteIpAddress is { } address && networks.Any(n => n.Contains(Normalise(address))))));

        var checks = builder.Services.AddHealthChecks();
        if (LiveApiRegistration.IsOrleansClient(configuration)) checks.AddCheck<ClientHealthCheck>("cluster", tags: ["ready"]);
        else checks.AddCheck<SiloHealthCheck>("silo", tags: ["ready"]);
        checks.AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapLiveObservability(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(MetricsPolicy);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>
    /// <c>{status, checks: {name: {status}}}</c>: 200 when healthy, 503 when not. Each check's description (the
    /// store's path, the silo's address, why it failed) only for the platform administrator (a bearer token, or HTTP
    /// Basic as for <c>/metrics</c>): the endpoints are anonymous, and those details are not for everyone.
    /// </summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var detailed = await IsPlatformAdminAsync(context);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = detailed ? e.Value.Description : null,
            }),
        }, HealthJson);
    }

    private static readonly System.Text.Json.JsonSerializerOptions HealthJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static async Task<bool> IsPlatformAdminAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0) return false;
        try
        {
            foreach (var scheme in new[] { LiveClaims.BearerScheme, LiveClaims.BasicScheme })
            {
                var result = await context.AuthenticateAsync(scheme);
                if (result.Succeeded && result.Principal.HasClaim(LiveClaims.PlatformAdmin, "true")) return true;
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or StoreUnavailableException)
        {
            // The store that would know the user is what fails: the plain answer, which still names the failing check.
        }
        return false;
    }
}

/// <summary>Ready when this process's silo is an active member of its cluster.</summary>
public sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} is active in cluster {silo.ClusterId}")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {status.ToString().ToLowerInvariant()}"));
    }
}

/// <summary>
/// Ready when the store serves this engine (<see cref="IStoreDatabase.Verify"/>: embedded, the file is the one opened
/// at start and holds its schema and id) and takes writes: after a write that could not be made durable, not ready
/// for <see cref="StoreWriteHealth.Hold"/> and then until a write commits again (this check writes one itself).
/// </summary>
public sealed class StoreHealthCheck(IStoreDatabase database, StoreWriteHealth writes) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            database.Verify();
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store does not serve ({database.Description}): {ex.Message}", ex));
        }
        if (writes.Problem is { } problem)
        {
            if (!problem.ProbeDue) return Task.FromResult(HealthCheckResult.Unhealthy($"the store refuses writes ({database.Description}): {problem.Reason}"));
            try
            {
                using var connection = database.Open();
                connection.Execute("INSERT INTO meta(key, value) VALUES ('write_probe', @at) ON CONFLICT(key) DO UPDATE SET value = excluded.value", null,
                    ("@at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
                writes.Committed();
            }
            catch (Exception ex)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"the store still refuses writes ({database.Description}): {ex.Message}", ex));
            }
        }
        return Task.FromResult(HealthCheckResult.Healthy($"the store answers and takes writes ({database.Description})"));
    }
}

/// <summary>Ready, on an Api node that is an Orleans client only, when it has a gateway of the cluster to talk to.</summary>
public sealed class ClientHealthCheck(IClusterClient client, IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Any grain call goes through a gateway: one that answers says the cluster is reachable.
            await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"connected to cluster {client.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orleans.Configuration.ClusterOptions>>().Value.ClusterId}");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("no gateway of the cluster answers", ex);
        }
    }
}

using LiveOrleans.Api.Identity;
using LiveOrleans.Simulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using LiveOrleans.Storage;

namespace LiveOrleans.Api.Hosting;

/// <summary>
/// Demo mode (<c>--demo</c>): the simulator plays live traffic into the bootstrap tenant through the engine's own
/// HTTP doors, obeying interventions, for as long as the engine runs. Without the option nothing fake is generated.
/// </summary>
public sealed partial class DemoTraffic(IServer server, IHostApplicationLifetime lifetime, IConfiguration configuration,
    IIdentityStore identity, [FromKeyedServices(LiveOrleans.Live.LiveTime.Key)] TimeProvider time, ILogger<DemoTraffic> logger) : BackgroundService
{
    public const double Speed = 3;
    public const double SessionsPerMinute = 40;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The web server stops before this service is told to: the demo's own requests (its control stream
        // above all) must end as soon as the application starts stopping, or the server waits for them.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var cancellation = stopping.Token;
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(cancellation);
        }
        var tenant = configuration["Bootstrap:Tenant"] is { Length: > 0 } t ? t : "demo";
        if (await identity.FindTenantAsync(tenant) is null)
        {
            Log.NoTenant(logger, tenant);
            return;
        }
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no address to send demo traffic to.");
        var key = ApiKeys.NewKey();
        await identity.AddApiKeyAsync(tenant, ApiKeys.Hash(key), "demo traffic", time.GetUtcNow());
        Console.WriteLine($"""

            ==== LiveOrleans demo ====
            simulated live traffic is flowing into tenant '{tenant}' (sign in as its admin: user '{configuration["Bootstrap:AdminUser"] ?? "admin"}',
            password from Bootstrap:AdminPassword or as printed at the first start)
            ==========================

            """);
        using var http = new HttpClient { BaseAddress = new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")) };
        var model = new TrafficModel(Environment.TickCount, [new SimulatedTenant(tenant, "UTC")], DateTimeOffset.UtcNow, SessionsPerMinute,
            businessHours: false); // as lively at 3 a.m. as at noon: someone trying the demo at night sees it move
        try
        {
            await new SimulationRunner(http, [key], model).RunAsync(Timeout.InfiniteTimeSpan, Speed, cancellation);
        }
        catch (OperationCanceledException) { }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Demo: tenant {Tenant} does not exist; no demo traffic.")]
        public static partial void NoTenant(ILogger logger, string tenant);
    }
}

// An internal service of a LiveOrleans cluster (see samples/README.md): an Orleans client that finds the cluster in
// its PostgreSQL database, lists a tenant's live sessions from the live-index grains, and pauses one through the same
// grain call the HTTP API makes — so the pause is checked, logged and audited exactly as a supervisor's is, with the
// reason given and this service's identity ("service:{name}") as the one who intervened.
//
//   dotnet run --project samples/InternalService -- --tenant demo
//   dotnet run --project samples/InternalService -- --tenant demo --pause s1 --reason "Escalated by the fraud check"
//
// Configuration as the engine's: ConnectionStrings__PostgreSql, Orleans__ClusterId, Orleans__ServiceId,
// Live__IndexShards (each defaults as in the engine).
using System.Globalization;
using System.Security.Cryptography;
using LiveOrleans;
using LiveOrleans.Events;
using LiveOrleans.Grains;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

var options = Options.Parse(args);
if (options.Error is { } error)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine("usage: --tenant ID [--pause SESSION --reason TEXT] [--service NAME]");
    return 2;
}

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var configuration = builder.Configuration;
var connectionString = configuration.GetConnectionString("PostgreSql");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("ConnectionStrings__PostgreSql is not set: give the cluster's database, as its silos have it.");
    return 2;
}
builder.UseOrleansClient(client =>
{
    client.UseAdoNetClustering(o =>
    {
        o.Invariant = "Npgsql";
        o.ConnectionString = connectionString;
    });
    client.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = configuration["Orleans:ClusterId"] ?? "liveorleans";
        o.ServiceId = configuration["Orleans:ServiceId"] ?? "liveorleans";
    });
    // A call routed through a silo that just died fails in seconds, not the default 30.
    client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
});
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();

// The live sessions: each live-index shard answers its part of the first page, newest activity first.
var shards = configuration.GetValue("Live:IndexShards", 1);
var parts = await Task.WhenAll(Enumerable.Range(0, shards).Select(shard =>
    grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(options.Tenant!, shard.ToString(CultureInfo.InvariantCulture)))
        .Page(new LiveFilter { Statuses = [LiveState.Active, LiveState.Thinking, LiveState.Streaming, LiveState.Paused, LiveState.Error] }, 50, null)));
var cards = parts.SelectMany(p => p.Items).Select(e => e.Card).OrderByDescending(c => c.LastActivityAt).Take(50).ToList();
Console.WriteLine($"{parts.Sum(p => p.Total)} live sessions in tenant {options.Tenant}; the {cards.Count} most recently active:");
foreach (var card in cards)
{
    Console.WriteLine($"  {card.SessionId,-24} {card.State.ToString().ToLowerInvariant(),-10} {card.Channel,-10} {card.AgentId,-16} {card.Preview}");
}

if (options.Pause is null) return 0;

// The same command the HTTP API builds for POST /api/v1/sessions/{id}/interventions, from a service instead of a person.
var command = new InterventionCommand
{
    InterventionId = "int_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
    Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
    AdminId = "service:" + options.Service,
    Type = InterventionType.Pause,
    Reason = options.Reason!,
};
var outcome = await grains.GetGrain<IIngestGrain>(options.Tenant!).Intervene(options.Pause, command);
if (outcome.Entry is { } entry)
{
    Console.WriteLine($"paused {entry.SessionId}: intervention {entry.InterventionId} by {entry.AdminId}, audited (reason: {entry.Reason})");
    return 0;
}
Console.Error.WriteLine($"not paused: {outcome.Refusal} — {outcome.Detail}");
return 1;

/// <summary>The command line.</summary>
internal sealed record Options(string? Tenant, string? Pause, string? Reason, string Service, string? Error)
{
    public static Options Parse(string[] args)
    {
        string? tenant = null, pause = null, reason = null, service = "internal-sample";
        for (var i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--tenant": tenant = Next(); break;
                case "--pause": pause = Next(); break;
                case "--reason": reason = Next(); break;
                case "--service": service = Next() ?? service; break;
            }
        }
        string? error = tenant is null ? "--tenant is required."
            : pause is not null && string.IsNullOrWhiteSpace(reason) ? "--pause needs --reason: every intervention says why, for the audit log."
            : null;
        return new Options(tenant, pause, reason, service, error);
    }
}

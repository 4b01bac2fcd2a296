using LiveOrleans.Live;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Polly;
using Polly.Retry;

namespace LiveOrleans.Grains.Ingest;

/// <summary>
/// Sends what sessions changed to the derived grains, batched: one call per tenant-day, per live-index shard and
/// per agent, then the agents' records to the tenant directory. Facts are absolute, so a call that failed is
/// simply made again; after the last attempt the error is the caller's (a producer that retries gets
/// duplicates, and the sessions send their facts again).
/// </summary>
public sealed partial class LiveChangeDispatcher(IGrainFactory grains, IClusterClient client, IOptions<LiveOptions> options, ILogger<LiveChangeDispatcher> logger)
{
    private readonly LiveOptions _options = options.Value;

    /// <summary>Three attempts, 100 ms then 200 ms apart; an overloaded grain is not pressed further.</summary>
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Linear,
            UseJitter = false,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && ex is not OverloadedException),
            OnRetry = args =>
            {
                Log.Retrying(logger, args.AttemptNumber + 1, args.Outcome.Exception!);
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    public async Task DispatchAsync(string tenant, IReadOnlyList<SessionChanges> changes, IReadOnlyList<AgentRecord> agentRecords)
    {
        if (changes.Count == 0 && agentRecords.Count == 0) return;
        var days = new Dictionary<string, List<SessionDayFacts>>(StringComparer.Ordinal);
        var shards = new Dictionary<int, (List<SessionEntry> Entries, List<ActivityEntry> Activity, List<AlertView> Alerts, List<SessionLifecycle> Lifecycle)>();
        var signals = new Dictionary<string, AgentSignal>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var session = change.Entry.SessionId;
            foreach (var day in change.Days)
            {
                if (!days.TryGetValue(day.Day, out var list)) days[day.Day] = list = [];
                list.Add(new SessionDayFacts(session, change.Entry.Position, day.Facts));
            }
            var shard = LiveKeys.ShardOf(session, _options.IndexShards);
            if (!shards.TryGetValue(shard, out var update)) shards[shard] = update = ([], [], [], []);
            update.Entries.Add(change.Entry);
            update.Activity.AddRange(change.Activity);
            update.Alerts.AddRange(change.Alerts);
            update.Lifecycle.AddRange(change.Lifecycle);
            foreach (var signal in change.Agents)
            {
                signals[signal.AgentId] = signals.TryGetValue(signal.AgentId, out var other) ? Merge(other, signal) : signal;
            }
        }

        var calls = new List<Task>(days.Count + shards.Count + 1);
        foreach (var (day, facts) in days)
            calls.Add(RetryAsync(() => grains.GetGrain<ITenantDayGrain>(LiveKeys.Of(tenant, day)).Apply(facts)));
        foreach (var (shard, update) in shards)
            calls.Add(RetryAsync(() => grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(tenant, shard.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .Apply(new IndexUpdate(update.Entries, update.Activity, update.Alerts, update.Lifecycle))));
        calls.Add(AgentsAsync(tenant, signals.Values, agentRecords));
        await Task.WhenAll(calls);
    }

    /// <summary>Publishes an item on the tenant's stream.</summary>
    public Task PublishAsync(string tenant, TenantStreamItem item)
        => client.GetStreamProvider(LiveStreams.Provider).GetStream<TenantStreamItem>(StreamId.Create(LiveStreams.Tenant, tenant)).OnNextAsync(item);

    private async Task AgentsAsync(string tenant, IEnumerable<AgentSignal> signals, IReadOnlyList<AgentRecord> known)
    {
        var signalled = await Task.WhenAll(signals.Select(s => RetryAsync(() => grains.GetGrain<IAgentGrain>(LiveKeys.Of(tenant, s.AgentId)).Signal(s))));
        var records = new Dictionary<string, AgentRecord>(StringComparer.Ordinal);
        foreach (var record in known) records[record.Id] = record;
        // A signal's answer is newer than a status event's when both touched the agent: it was asked after.
        foreach (var record in signalled) records[record.Id] = record;
        if (records.Count > 0) await RetryAsync(() => grains.GetGrain<ITenantGrain>(tenant).AgentsChanged([.. records.Values]));
    }

    private static AgentSignal Merge(AgentSignal a, AgentSignal b) => new(a.AgentId, a.KindHint ?? b.KindHint, LiveTime.Later(a.PresenceAt, b.PresenceAt), LiveTime.Later(a.MessageAt, b.MessageAt));


    private Task RetryAsync(Func<Task> call) => _retry.ExecuteAsync(static async (call, _) => await call(), call).AsTask();

    private Task<T> RetryAsync<T>(Func<Task<T>> call) => _retry.ExecuteAsync(static async (call, _) => await call(), call).AsTask();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Delivering changes to a derived grain failed (attempt {Attempt}); trying again.")]
        public static partial void Retrying(ILogger logger, int attempt, Exception ex);
    }
}

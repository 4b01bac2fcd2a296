using System.Collections.Concurrent;
using Orleans.Streams;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// The tenant stream under the memory-stream pitfalls: a pub-sub store must hold subscriptions (kept in the store
/// when there are several silos), a stream idle longer than the pulling agent's inactivity period must still
/// deliver, and a subscription must survive the silo that held its queue or its pub-sub state leaving. Derived
/// grains publish only while someone listens: the listener here leases them as the Api's tenant views do, and
/// renews the lease as they do (a grain activated again after a crash knows of no listener until then).
/// </summary>
[Trait("Category", "grains")]
public sealed class StreamTests
{
    private sealed class Listener
    {
        public ConcurrentQueue<TenantStreamItem> Items { get; } = new();

        private Func<Task> _listen = () => Task.CompletedTask;

        public async Task<StreamSubscriptionHandle<TenantStreamItem>> SubscribeAsync(LiveCluster live, string tenant)
        {
            var handle = await live.Cluster.Client.GetStreamProvider(LiveStreams.Provider)
                .GetStream<TenantStreamItem>(StreamId.Create(LiveStreams.Tenant, tenant))
                .SubscribeAsync((item, _) => { Items.Enqueue(item); return Task.CompletedTask; });
            var lease = TimeSpan.FromMinutes(1);
            _listen = () => Task.WhenAll(
                live.Grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of(tenant, "0")).Listen(lease),
                live.Grains.GetGrain<ITenantDayGrain>(LiveKeys.Of(tenant, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).Listen(lease),
                live.Grains.GetGrain<ITenantGrain>(tenant).Listen(lease));
            await _listen();
            return handle;
        }

        /// <summary>Sends events until the stream has delivered a change of the session (a publish may fall in a rebalancing).</summary>
        public async Task<bool> ReceivesAsync(Func<string, Task> ingest, string session, TimeSpan within)
        {
            var deadline = DateTime.UtcNow + within;
            var n = 0;
            while (DateTime.UtcNow < deadline)
            {
                // Like the Api's renewal: a lease that failed (its grain's silo just went) is tried again next time.
                try { await _listen(); } catch (Exception ex) when (GatewayOrSiloGone(ex)) { }
                try
                {
                    await ingest($"{session}-{n++}");
                }
                catch (Exception ex) when (GatewayOrSiloGone(ex))
                {
                    // The client's gateway was on the silo that left: until it notices, a call fails; a producer retries.
                    await Task.Delay(200);
                    continue;
                }
                for (var i = 0; i < 20; i++)
                {
                    if (Items.OfType<SessionsChanged>().Any(c => c.Entries.Any(e => e.SessionId.StartsWith(session, StringComparison.Ordinal)))) return true;
                    await Task.Delay(50);
                }
            }
            return false;
        }
    }

    /// <summary>What a call may meet while the cluster notices a silo left: the silo, or the client's gateway on it, is gone.</summary>
    private static bool GatewayOrSiloGone(Exception ex) => ex is SiloUnavailableException or Orleans.Runtime.Messaging.ConnectionFailedException;

    private static Func<string, Task> Ingest(IGrainFactory grains, string tenant)
        => session => grains.GetGrain<IIngestGrain>(tenant).Ingest([Ev.Started(session, DateTimeOffset.UtcNow), Ev.Received(session, DateTimeOffset.UtcNow)]);

    [Fact]
    public async Task A_subscription_gets_what_grains_publish_with_consecutive_versions_and_lifecycle_events()
    {
        await using var live = await LiveCluster.StartAsync();
        await live.ConfigureTenantAsync("streams");
        var listener = new Listener();
        await listener.SubscribeAsync(live, "streams");

        await live.IngestAsync("streams", Ev.Started("a", DateTimeOffset.UtcNow), Ev.Received("a", DateTimeOffset.UtcNow));
        await live.IngestAsync("streams", Ev.Thinking("a", DateTimeOffset.UtcNow));
        for (var i = 0; i < 100 && listener.Items.OfType<SessionsChanged>().Count() < 2; i++) await Task.Delay(50);

        var changes = listener.Items.OfType<SessionsChanged>().ToArray();
        // Consecutive within the first activation's epoch (the high 32 bits): 1·2³² + 1, + 2.
        Assert.Equal([(1L << 32) + 1, (1L << 32) + 2], changes.Select(c => c.Version));
        Assert.Equal(["session_started", "message_received", "agent_thinking"], changes.SelectMany(c => c.Lifecycle).Select(l => l.Type));
        Assert.Equal(LiveState.Thinking, changes[^1].Entries.Single().Card.State);
        Assert.Contains(listener.Items, i => i is DayChanged);
    }

    [Fact]
    public async Task Derived_grains_publish_only_while_someone_listens()
    {
        await using var live = await LiveCluster.StartAsync();
        await live.ConfigureTenantAsync("quiet");
        var items = new ConcurrentQueue<TenantStreamItem>();
        await live.Cluster.Client.GetStreamProvider(LiveStreams.Provider).GetStream<TenantStreamItem>(StreamId.Create(LiveStreams.Tenant, "quiet"))
            .SubscribeAsync((item, _) => { items.Enqueue(item); return Task.CompletedTask; });

        await live.IngestAsync("quiet", Ev.Started("unheard", DateTimeOffset.UtcNow));
        await Task.Delay(1000);
        Assert.DoesNotContain(items, i => i is SessionsChanged);

        await live.Grains.GetGrain<ILiveIndexGrain>(LiveKeys.Of("quiet", "0")).Listen(TimeSpan.FromMinutes(1));
        await live.IngestAsync("quiet", Ev.Started("heard", DateTimeOffset.UtcNow));
        for (var i = 0; i < 100 && !items.OfType<SessionsChanged>().Any(); i++) await Task.Delay(50);
        Assert.Equal(["heard"], items.OfType<SessionsChanged>().SelectMany(c => c.Entries).Select(e => e.Card.SessionId));
    }

    [Fact]
    public async Task A_subscription_keeps_receiving_after_its_stream_was_idle_past_the_inactivity_period()
    {
        await using var live = await LiveCluster.StartAsync(new Dictionary<string, string?> { ["Streams:InactivityPeriod"] = "00:00:01" });
        await live.ConfigureTenantAsync("idle");
        var listener = new Listener();
        await listener.SubscribeAsync(live, "idle");
        Assert.True(await listener.ReceivesAsync(Ingest(live.Grains, "idle"), "before", TimeSpan.FromSeconds(10)));

        // The pulling agent drops a stream from its cache after the inactivity period; the next item finds the subscription again.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.True(await listener.ReceivesAsync(Ingest(live.Grains, "idle"), "after", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_subscription_survives_a_silo_leaving_the_cluster()
    {
        await using var live = await LiveCluster.StartAsync();
        await live.ConfigureTenantAsync("leaving");
        var listener = new Listener();
        await listener.SubscribeAsync(live, "leaving");
        Assert.True(await listener.ReceivesAsync(Ingest(live.Grains, "leaving"), "before", TimeSpan.FromSeconds(10)));

        // Half the queues, pub-sub grains and pulling agents were on the silo that leaves: they move to the other one.
        await live.CrashAsync(live.Cluster.SecondarySilos[0]);

        Assert.True(await listener.ReceivesAsync(Ingest(live.Grains, "leaving"), "after", TimeSpan.FromSeconds(60)));
    }
}

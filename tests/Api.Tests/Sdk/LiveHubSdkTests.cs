using LiveOrleans.Client;
using LiveOrleans.Events;
using LiveOrleans.Queries;

namespace LiveOrleans.Api.Tests.Sdk;

/// <summary>One engine process for the class, started as the run command starts it.</summary>
public sealed class SdkEngine : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-sdkhub-").FullName;

    public EngineProcess Engine { get; private set; } = null!;

    public async Task InitializeAsync() => Engine = await EngineProcess.StartAsync(_directory);

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>/hubs/live and the read side through the .NET SDK, against the real Api process (beside the JavaScript hub tests).</summary>
[Trait("Category", "hubs")]
public sealed class LiveHubSdkTests(SdkEngine fixture) : IClassFixture<SdkEngine>
{
    private EngineProcess Engine => fixture.Engine;
    private static int _ids;

    private static string Id() => $"hub-{Interlocked.Increment(ref _ids)}";

    private (LiveOrleansProducer Producer, LiveOrleansClientOptions Options, HttpClient Http) Producer()
    {
        var options = new LiveOrleansClientOptions { BaseAddress = Engine.Address, ApiKey = "lo_crash_key" };
        var http = new HttpClient { BaseAddress = Engine.Address };
        return (new LiveOrleansProducer(http, options), options, http);
    }

    private async Task<LiveOrleansReader> AdminAsync()
    {
        var reader = new LiveOrleansReader(new HttpClient { BaseAddress = Engine.Address });
        await reader.SignInAsync("crash", "admin", "crash-password");
        return reader;
    }

    private static SessionStarted Started(string session, string channel = "web") => new() { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Channel = channel, AgentId = "bot", User = new UserRef("u", "Ann") };

    private static MessageReceived Received(string session, string text) => new()
    {
        Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Message = new MessageContent(Id(), MessageFormat.Text, text, null, null, null),
    };

    private static async Task<T> EventuallyAsync<T>(Func<T?> found, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (found() is { } value) return value;
            await Task.Delay(20);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    [Fact]
    public async Task Presence_reaches_the_SDK_a_watcher_list_for_the_watcher_and_a_count_for_the_subscription()
    {
        var (producer, _, http) = Producer();
        using var _h = http;
        var reader = await AdminAsync();
        var session = $"presence-{Id()}";
        await producer.SendAsync([Started(session), Received(session, "Is anyone there?")]);

        await using var wall = new LiveDashboard(Engine.Address, reader.AccessToken!);
        var counts = new List<(string Session, int Count)>();
        wall.WatcherCount += (s, n) => { lock (counts) counts.Add((s, n)); };
        await wall.StartAsync();
        var before = await wall.SubscribeAsync();
        Assert.NotNull(before.WatcherCounts);
        Assert.False(before.WatcherCounts!.ContainsKey(session));

        // The same person in two tabs counts once; the watcher's own connection gets the list.
        await using var tab = new LiveDashboard(Engine.Address, reader.AccessToken!);
        var lists = new List<(string Session, IReadOnlyList<LiveOrleans.Live.SessionWatcher> Watchers)>();
        tab.Presence += (s, w) => { lock (lists) lists.Add((s, w)); };
        await tab.StartAsync();
        await using var otherTab = new LiveDashboard(Engine.Address, reader.AccessToken!);
        await otherTab.StartAsync();
        await tab.WatchSessionAsync(session);
        await otherTab.WatchSessionAsync(session);

        await EventuallyAsync(() => { lock (counts) return counts.Contains((session, 1)) ? counts : null; }, "the wall's count of one");
        var list = await EventuallyAsync(() => { lock (lists) return lists.LastOrDefault(l => l.Session == session && l.Watchers.Count > 0).Watchers; }, "the watcher list");
        Assert.False(string.IsNullOrEmpty(Assert.Single(list).Name)); // one person, however many tabs
        var again = await wall.SubscribeAsync();
        Assert.Equal(1, again.WatcherCounts![session]);

        // Both tabs leave: the count goes to zero.
        await tab.UnwatchSessionAsync(session);
        await otherTab.UnwatchSessionAsync(session);
        await EventuallyAsync(() => { lock (counts) return counts.Contains((session, 0)) ? counts : null; }, "the wall's count back to zero");
        lock (counts) Assert.DoesNotContain(counts, c => c.Session == session && c.Count > 1);
    }

    [Theory]
    [InlineData(LiveHubProtocol.Json)]
    [InlineData(LiveHubProtocol.MessagePack)]
    public async Task A_screen_kept_by_ticks_equals_a_fresh_subscription_after_random_traffic(LiveHubProtocol protocol)
    {
        var (producer, _, http) = Producer();
        using var _h = http;
        var reader = await AdminAsync();
        var seed = Environment.TickCount & 0xffff;
        var random = new Random(seed);
        var prefix = $"screen-{Id()}-";
        var live = new List<string>();
        var started = 0;
        LiveEvent[] Start()
        {
            var id = prefix + ++started;
            live.Add(id);
            return [Started(id, "telegram"), Received(id, "hello " + id)];
        }
        await producer.SendAsync([.. Enumerable.Range(0, 12).SelectMany(_ => Start())]);

        var filter = new LiveFilter { Channels = ["telegram"] };
        await using var dashboard = new LiveDashboard(Engine.Address, reader.AccessToken!, protocol);
        var frames = new List<DashboardTick>();
        dashboard.Tick += t => { lock (frames) frames.Add(t); };
        await dashboard.StartAsync();
        var screen = await dashboard.SubscribeScreenAsync(filter, window: 6);
        Assert.Equal(6, screen.Window);

        for (var round = 0; round < 40; round++)
        {
            var batch = new List<LiveEvent>();
            var roll = random.NextDouble();
            if (roll < 0.35 || live.Count == 0) batch.AddRange(Start());
            else if (roll < 0.8) batch.Add(Received(live[random.Next(live.Count)], $"more {round}"));
            else
            {
                var ended = live[random.Next(live.Count)];
                live.Remove(ended);
                batch.Add(new SessionEnded { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = ended });
            }
            await producer.SendAsync(batch);
            await Task.Delay(random.Next(0, 60));
        }

        await using var fresh = new LiveDashboard(Engine.Address, reader.AccessToken!, protocol);
        await fresh.StartAsync();
        var expected = await EventuallyAsync(async () =>
        {
            // A fresh subscription, and the HTTP query (from the index grains, not the node's screens), agree with the ticks.
            var now = await fresh.SubscribeScreenAsync(filter, window: 6);
            var page = await reader.SessionsAsync(filter, limit: 6);
            return now.Cards.SequenceEqual(dashboard.Screen!.Cards) && now.Total == dashboard.Screen.Total
                && page.Items.Select(c => c.SessionId).SequenceEqual(dashboard.Screen.Cards.Select(c => c.SessionId)) && page.Total == dashboard.Screen.Total
                ? now : null;
        }, $"seed {seed}: the screen kept by ticks equals a fresh one");
        Assert.Equal(Math.Min(6, expected.Total), dashboard.Screen!.Cards.Count);
        lock (frames)
        {
            Assert.NotEmpty(frames);
            Assert.All(frames.Zip(frames.Skip(1)), p => Assert.True(p.Second.Tick > p.First.Tick, $"seed {seed}: one frame per tick"));
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> found, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await found() is { } value) return value;
            await Task.Delay(100);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    [Fact]
    public async Task A_subscription_answers_what_the_queries_answer_and_pushes_each_new_session()
    {
        var (producer, _, http) = Producer();
        using var _h = http;
        var reader = await AdminAsync();
        await producer.SendAsync([Started("sub-a", "whatsapp"), Received("sub-a", "Hello")]);
        await using var dashboard = new LiveDashboard(Engine.Address, reader.AccessToken!);
        var cards = new List<SessionCard>();
        dashboard.SessionUpserted += card => { lock (cards) cards.Add(card); };
        await dashboard.StartAsync();

        SummaryView? pushedSummary = null;
        dashboard.Summary += v => pushedSummary = v;
        var snapshot = await dashboard.SubscribeAsync(new LiveFilter { Channels = ["whatsapp"] });
        var summary = await reader.SummaryAsync(new LiveFilter { Channels = ["whatsapp"] });
        var expected = (await reader.SessionsAsync(new LiveFilter { Channels = ["whatsapp"] })).Items.Select(c => c.SessionId).ToArray();

        // The snapshot and the pushes after it are the screen: when the tenant's dashboards are already open on this node
        // (another test's), the snapshot comes from the node's replica, which may be a stream hop behind the 202; the
        // pushes that follow bring it level with the queries.
        string[] Screen()
        {
            lock (cards) return [.. snapshot.Sessions.Items.Select(c => c.SessionId).Union(cards.Select(c => c.SessionId)).Order(StringComparer.Ordinal)];
        }
        await EventuallyAsync(() => Screen().SequenceEqual(expected.Order(StringComparer.Ordinal)) ? "" : null, "the screen's cards equal to the query's");
        await EventuallyAsync(() => ((pushedSummary ?? snapshot.Summary) with { AsOf = default }) == (summary with { AsOf = default }) ? "" : null,
            "the screen's summary equal to the query's");
        await producer.SendAsync([Started("sub-b", "whatsapp"), Started("sub-web", "web")]);
        var pushed = await EventuallyAsync(() => { lock (cards) return cards.FirstOrDefault(c => c.SessionId == "sub-b"); }, "sub-b's card");
        Assert.Equal("whatsapp", pushed.Channel);
        await Task.Delay(300);
        lock (cards) Assert.DoesNotContain(cards, c => c.SessionId == "sub-web");
    }

    [Theory]
    [InlineData(LiveHubProtocol.Json)]
    [InlineData(LiveHubProtocol.MessagePack)]
    public async Task A_watched_session_streams_its_tokens_in_order_then_the_message_and_an_intervention_reaches_both_sides(LiveHubProtocol protocol)
    {
        var (producer, options, http) = Producer();
        options.HubProtocol = protocol;
        var session = $"w1-{protocol}";
        using var _h = http;
        var reader = await AdminAsync();
        var commands = new List<LiveOrleans.Client.ControlCommand>();
        await using var runtime = new LiveOrleansRuntime(http, options, producer, (c, _) => { lock (commands) commands.Add(c); return Task.CompletedTask; });
        await runtime.StartAsync();
        Assert.True(runtime.HubConnected, "the runtime is on the hub");
        await runtime.PublishAsync([Started(session), Received(session, "Can you help?")]);
        await using var dashboard = new LiveDashboard(Engine.Address, reader.AccessToken!, protocol);
        var tokens = new List<(string Delta, int Index)>();
        var messages = new List<MessageView>();
        var states = new List<string>();
        var interventions = new List<InterventionView>();
        dashboard.Token += (s, _, d, i) => { if (s == session) lock (tokens) tokens.Add((d, i)); };
        dashboard.Message += (s, m) => { if (s == session) lock (messages) messages.Add(m); };
        dashboard.SessionState += (s, state) => { if (s == session) lock (states) states.Add(state); };
        dashboard.Intervention += i => { lock (interventions) interventions.Add(i); };
        await dashboard.StartAsync();
        var detail = await dashboard.WatchSessionAsync(session);
        Assert.Equal(1, detail.GetProperty("totalMessages").GetInt32());

        var reply = new ReplyStream(runtime, session, session + "-reply");
        await reply.ThinkingAsync();
        var words = new[] { "Of ", "course", ", ", "what ", "is ", "your ", "order ", "number?" };
        foreach (var word in words) await reply.TokenAsync(word);
        await reply.CompleteAsync(string.Concat(words));

        await EventuallyAsync(() => { lock (messages) return messages.FirstOrDefault(m => m.Id == session + "-reply"); }, "the completed reply");
        lock (tokens) Assert.Equal(words.Select((w, i) => (w, i)), tokens.Distinct());
        lock (messages) Assert.Equal(string.Concat(words), messages.Single(m => m.Id == session + "-reply").Text);

        var pause = await reader.InterveneAsync(session, "pause", "Checking the answer");
        await EventuallyAsync(() => { lock (interventions) return interventions.FirstOrDefault(i => i.InterventionId == pause.InterventionId); }, "the intervention push");
        await EventuallyAsync(() => { lock (states) return states.Contains("paused") ? "paused" : null; }, "the paused state");
        await EventuallyAsync(() => { lock (commands) return commands.FirstOrDefault(c => c.InterventionId == pause.InterventionId); }, "the pause command at the producer");
        Assert.Contains(await reader.InterventionsAsync(session), i => i.InterventionId == pause.InterventionId && i.Reason == "Checking the answer");
    }

    [Fact]
    public async Task Saved_views_round_trip_through_the_reader_and_a_bad_filter_is_a_typed_refusal()
    {
        var reader = await AdminAsync();
        var saved = await reader.SaveViewAsync($"Urgent {Id()}", new LiveFilter { Priorities = [Priority.Urgent], Channels = ["web"] });

        Assert.Contains(await reader.ViewsAsync(), v => v.Id == saved.Id && v.Filter.Priorities!.SequenceEqual([Priority.Urgent]));
        Assert.True(await reader.DeleteViewAsync(saved.Id));
        Assert.False(await reader.DeleteViewAsync(saved.Id));
        var error = await Assert.ThrowsAsync<LiveOrleansValidationException>(() => reader.SessionsAsync(new LiveFilter { Channels = ["Not A Slug"] }));
        Assert.Contains("channels", error.Errors.Keys);
    }
}

using LiveOrleans.Client;
using LiveOrleans.Events;
using LiveOrleans.Queries;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>A dashboard on one Api node sees what happens through another: events, interventions, token deltas.</summary>
[Collection("cluster")]
[Trait("Category", "cluster")]
public sealed class DashboardsAcrossNodesTests
{
    private static int _ids;

    private static string Id() => $"x-{Interlocked.Increment(ref _ids)}";

    [Fact]
    public async Task A_dashboard_on_node_A_sees_events_interventions_and_tokens_that_came_through_node_B()
    {
        await using var cluster = new ClusterProcesses();
        await cluster.StartSiloAsync();
        var nodeA = await cluster.StartApiAsync(client: false);
        var nodeB = await cluster.StartApiAsync(client: true);

        // Node B, an Orleans client only, is ready once a gateway of the cluster answers (the details: for the platform administrator).
        using (var probe = new HttpClient { BaseAddress = nodeB.Address })
        {
            probe.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("crash/admin:crash-password")));
            var ready = await probe.GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == System.Net.HttpStatusCode.OK, body);
            Assert.Contains($"connected to cluster {cluster.ClusterId}", body);
        }

        // The producer and the supervisor use node B only; the dashboard is connected to node A.
        var options = new LiveOrleansClientOptions { BaseAddress = nodeB.Address, ApiKey = "lo_crash_key" };
        using var http = new HttpClient { BaseAddress = nodeB.Address };
        var producer = new LiveOrleansProducer(http, options);
        var commands = new List<LiveOrleans.Client.ControlCommand>();
        await using var runtime = new LiveOrleansRuntime(http, options, producer, (c, _) => { lock (commands) commands.Add(c); return Task.CompletedTask; });
        await runtime.StartAsync();
        var supervisor = new LiveOrleansReader(new HttpClient { BaseAddress = nodeB.Address });
        await supervisor.SignInAsync("crash", "admin", "crash-password");

        await using var dashboard = new LiveDashboard(nodeA.Address, supervisor.AccessToken!);
        var cards = new List<SessionCard>();
        var tokens = new List<(string Delta, int Index)>();
        var messages = new List<MessageView>();
        var interventions = new List<InterventionView>();
        dashboard.SessionUpserted += c => { lock (cards) cards.Add(c); };
        dashboard.Token += (s, _, d, i) => { if (s == "n1") lock (tokens) tokens.Add((d, i)); };
        dashboard.Message += (s, m) => { if (s == "n1") lock (messages) messages.Add(m); };
        dashboard.Intervention += i => { lock (interventions) interventions.Add(i); };
        await dashboard.StartAsync();
        await dashboard.SubscribeAsync();

        var now = DateTimeOffset.UtcNow;
        await runtime.PublishAsync([
            new SessionStarted { Id = Id(), Timestamp = now, SessionId = "n1", Channel = "telegram", AgentId = "bot", User = new UserRef("u", "Ann") },
            new MessageReceived { Id = Id(), Timestamp = now, SessionId = "n1", Message = new MessageContent(Id(), MessageFormat.Text, "Where is my parcel?", null, null, null) },
        ]);
        var card = await EventuallyAsync(() => { lock (cards) return cards.LastOrDefault(c => c.SessionId == "n1"); }, "the new session's card on node A");
        Assert.Equal("Where is my parcel?", card.Preview);

        await dashboard.WatchSessionAsync("n1");
        var reply = new ReplyStream(runtime, "n1", "n1-reply");
        await reply.ThinkingAsync();
        var words = new[] { "It ", "left ", "the ", "depot ", "today." };
        foreach (var word in words) await reply.TokenAsync(word);
        await reply.CompleteAsync(string.Concat(words));
        await EventuallyAsync(() => { lock (messages) return messages.FirstOrDefault(m => m.Id == "n1-reply"); }, "the completed reply on node A");
        lock (tokens) Assert.Equal(words.Select((w, i) => (w, i)), tokens.Distinct());

        var pause = await supervisor.InterveneAsync("n1", "pause", "Checking the parcel");
        var seen = await EventuallyAsync(() => { lock (interventions) return interventions.FirstOrDefault(i => i.InterventionId == pause.InterventionId); }, "the intervention on node A");
        Assert.Equal("Checking the parcel", seen.Reason);
        await EventuallyAsync(() => { lock (cards) return cards.LastOrDefault(c => c.SessionId == "n1" && c.State == LiveState.Paused); }, "the paused card on node A");
        await EventuallyAsync(() => { lock (commands) return commands.FirstOrDefault(c => c.InterventionId == pause.InterventionId); }, "the pause at the producer on node B");
    }

    [Fact]
    public async Task People_watching_a_session_through_two_nodes_see_each_other_come_and_go()
    {
        await using var cluster = new ClusterProcesses();
        var nodeA = await cluster.StartApiAsync(client: false);
        var nodeB = await cluster.StartApiAsync(client: false);
        var admin = new LiveOrleansReader(new HttpClient { BaseAddress = nodeA.Address });
        await admin.SignInAsync("crash", "admin", "crash-password");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/users"))
        using (var http = new HttpClient { BaseAddress = nodeA.Address })
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin.AccessToken);
            request.Content = System.Net.Http.Json.JsonContent.Create(new { username = "sue", password = "person-password", name = "Sue Park", role = "supervisor" });
            Assert.Equal(System.Net.HttpStatusCode.Created, (await http.SendAsync(request)).StatusCode);
        }
        var sue = new LiveOrleansReader(new HttpClient { BaseAddress = nodeB.Address });
        await sue.SignInAsync("crash", "sue", "person-password");
        using var producerHttp = new HttpClient { BaseAddress = nodeA.Address };
        var producer = new LiveOrleansProducer(producerHttp, new LiveOrleansClientOptions { BaseAddress = nodeA.Address, ApiKey = "lo_crash_key" });
        var now = DateTimeOffset.UtcNow;
        await producer.SendAsync([
            new SessionStarted { Id = Id(), Timestamp = now, SessionId = "p1", Channel = "web", AgentId = "bot", User = new UserRef("u", "Ann") },
            new MessageReceived { Id = Id(), Timestamp = now, SessionId = "p1", Message = new MessageContent(Id(), MessageFormat.Text, "Hello?", null, null, null) },
        ]);

        // The admin watches on node A; Sue, on node B, opens the same conversation.
        await using var adminDashboard = new LiveDashboard(nodeA.Address, admin.AccessToken!);
        var lists = new List<string>();
        var counts = new List<int>();
        adminDashboard.Presence += (s, watchers) => { if (s == "p1") lock (lists) lists.Add(string.Join(",", watchers.Select(w => w.Name).Order())); };
        adminDashboard.WatcherCount += (s, n) => { if (s == "p1") lock (counts) counts.Add(n); };
        await adminDashboard.StartAsync();
        await adminDashboard.SubscribeAsync();
        await EventuallyAsync(async () => (await admin.SessionAsync("p1")) is not null, "the session on node A");
        var adminWatch = await adminDashboard.WatchSessionAsync("p1");
        var adminName = adminWatch.GetProperty("watchers").EnumerateArray().Single().GetProperty("name").GetString()!;

        var sueDashboard = new LiveDashboard(nodeB.Address, sue.AccessToken!);
        await sueDashboard.StartAsync();
        var sueWatch = await sueDashboard.WatchSessionAsync("p1");
        Assert.Equal(new[] { adminName, "Sue Park" }.Order(),
            sueWatch.GetProperty("watchers").EnumerateArray().Select(w => w.GetProperty("name").GetString()!).Order());
        var both = string.Join(",", new[] { adminName, "Sue Park" }.Order());
        await EventuallyAsync(() => { lock (lists) return lists.LastOrDefault() == both ? both : null; }, "node A's watcher sees Sue, who came through node B");
        await EventuallyAsync(() => { lock (counts) return counts.LastOrDefault() == 2 ? "2" : null; }, "node A's card counts two watchers");

        // Sue closes her dashboard on node B: node A's list and count follow.
        await sueDashboard.DisposeAsync();
        await EventuallyAsync(() => { lock (lists) return lists.LastOrDefault() == adminName ? adminName : null; }, "Sue leaves node A's list");
        await EventuallyAsync(() => { lock (counts) return counts.LastOrDefault() == 1 ? "1" : null; }, "node A's count back to one");
        lock (counts) Assert.Equal([1, 2, 1], counts.Where((n, i) => i == 0 || counts[i - 1] != n));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> check, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await check()) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> found, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (found() is { } value) return value;
            await Task.Delay(20);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Client;
using LiveOrleans.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiveOrleans.Api.Tests.Sdk;

/// <summary>The .NET SDK (LiveOrleans.Client) against the real engine process, as a producer uses it.</summary>
[Trait("Category", "http")]
public sealed class ProducerSdkTests : IAsyncLifetime
{
    private const string Key = "lo_crash_key";
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-sdk-").FullName;
    private readonly List<EngineProcess> _engines = [];
    private static int _ids;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<EngineProcess> StartAsync(int? port = null, Dictionary<string, string>? settings = null)
    {
        var engine = port is { } p ? await EngineProcess.StartOnPortAsync(p, _directory, settings) : await EngineProcess.StartAsync(_directory, settings);
        _engines.Add(engine);
        return engine;
    }

    private static (LiveOrleansProducer Producer, HttpClient Http, LiveOrleansClientOptions Options) Producer(EngineProcess engine, Action<LiveOrleansClientOptions>? configure = null)
    {
        var options = new LiveOrleansClientOptions { BaseAddress = engine.Address, ApiKey = Key, MaxBatchEvents = 50, FirstRetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromSeconds(1), RetryFor = TimeSpan.FromMinutes(1) };
        configure?.Invoke(options);
        var http = new HttpClient { BaseAddress = engine.Address, Timeout = TimeSpan.FromSeconds(10) };
        return (new LiveOrleansProducer(http, options), http, options);
    }

    private static string Id() => $"sdk-{Interlocked.Increment(ref _ids)}";

    private static SessionStarted Started(string session) => new() { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Channel = "web", AgentId = "bot", User = new UserRef("u", "Ann") };

    private static MessageReceived Received(string session, string text) => new()
    {
        Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Message = new MessageContent(Id(), MessageFormat.Text, text, null, null, null),
    };

    /// <summary>An HttpClient signed in as the bootstrap tenant's admin.</summary>
    private static async Task<HttpClient> AdminAsync(EngineProcess engine)
    {
        var http = new HttpClient { BaseAddress = engine.Address };
        var token = (await (await http.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<JsonElement> GetAsync(EngineProcess engine, string path)
    {
        using var http = await AdminAsync(engine);
        var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_producer_survives_an_engine_killed_and_restarted_mid_stream_and_every_acknowledged_event_is_applied()
    {
        var engine = await StartAsync();
        var port = engine.Address.Port;
        var (producer, http, _) = Producer(engine);
        using var _ = http;
        const int Sessions = 40, Messages = 10;
        var acknowledged = 0;
        var sending = Task.Run(async () =>
        {
            for (var s = 0; s < Sessions; s++)
            {
                var session = $"r{s}";
                var events = new List<LiveEvent> { Started(session) };
                events.AddRange(Enumerable.Range(0, Messages).Select(m => Received(session, $"message {m}")));
                var result = await producer.SendAsync(events);
                Interlocked.Add(ref acknowledged, result.Accepted + result.Duplicates);
            }
        });
        // Mid-stream: killed without a graceful stop, back on the same port a moment later.
        while (Volatile.Read(ref acknowledged) < 5 * (Messages + 1)) await Task.Delay(10);
        engine.Kill();
        await Task.Delay(500);
        engine = await StartAsync(port);
        await sending;

        Assert.Equal(Sessions * (Messages + 1), acknowledged);
        var page = await GetAsync(engine, "/api/v1/live/sessions?limit=500");
        Assert.Equal(Sessions, page.GetProperty("total").GetInt32());
        for (var s = 0; s < Sessions; s++)
            Assert.Equal(Messages, (await GetAsync(engine, $"/api/v1/sessions/r{s}")).GetProperty("totalMessages").GetInt32());
    }

    [Fact]
    public async Task Under_the_tenant_rate_limit_the_producer_backs_off_as_told_and_all_its_events_land()
    {
        var engine = await StartAsync(settings: new() { ["Ingest__EventsPerSecondPerTenant"] = "100" });
        var (producer, http, _) = Producer(engine);
        using var _h = http;
        // 600 events against 100 a second (bursts of 200): most batches meet a 429 first.
        var events = Enumerable.Range(0, 60).SelectMany(s => new LiveEvent[] { Started($"b{s}") }.Concat(Enumerable.Range(0, 9).Select(m => Received($"b{s}", $"m{m}")))).ToList();

        var result = await producer.SendAsync(events);

        Assert.Equal(600, result.Accepted);
        Assert.True(result.Retries > 0, "no 429 was met: the test did not test the back-off");
        Assert.Equal(60, (await GetAsync(engine, "/api/v1/live/sessions?limit=500")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_400_is_a_typed_error_naming_the_bad_field_of_the_callers_list_and_is_not_retried()
    {
        var engine = await StartAsync();
        var (producer, http, _) = Producer(engine);
        using var _h = http;
        var events = Enumerable.Range(0, 70).Select(i => (LiveEvent)Started($"v{i}")).ToList();
        // The 61st event (second batch of 50, its 11th) has a customer message without text or attachments.
        events[60] = new MessageReceived { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = "v1", Message = new MessageContent("m", MessageFormat.Text, null, null, null, null) };

        var error = await Assert.ThrowsAsync<LiveOrleansValidationException>(() => producer.SendAsync(events));

        Assert.Equal(400, error.Status);
        Assert.Contains(error.Errors.Keys, k => k.StartsWith("events[60]", StringComparison.Ordinal));
        // The first batch landed; the refused one stored nothing; nothing after it was sent.
        Assert.Equal(50, (await GetAsync(engine, "/api/v1/live/sessions?limit=500")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_runtime_receives_a_pause_stops_its_agent_and_resumes_on_resume_and_acknowledges_both()
    {
        var engine = await StartAsync();
        var (producer, http, options) = Producer(engine);
        using var _h = http;
        var commands = new List<ControlCommand>();
        var paused = new TaskCompletionSource();
        var resumed = new TaskCompletionSource();
        await using var runtime = new LiveOrleansRuntime(http, options, producer, (command, _) =>
        {
            lock (commands) commands.Add(command);
            (command.Type == "pause" ? paused : resumed).TrySetResult();
            return Task.CompletedTask;
        });
        await runtime.StartAsync();
        Assert.True(runtime.HubConnected);
        await runtime.PublishAsync([Started("p1"), Received("p1", "Where is my refund?")]);

        var pause = await InterveneAsync(engine, "p1", "pause");
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // While paused, the agent's reply is refused with a typed error (the hub's refusal is taken again over HTTP).
        var reply = new ReplyStream(runtime, "p1", "reply-1");
        await Assert.ThrowsAsync<SessionPausedException>(() => reply.ThinkingAsync());

        var resume = await InterveneAsync(engine, "p1", "resume");
        await resumed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await reply.ThinkingAsync();
        await reply.TokenAsync("Let me ");
        await reply.TokenAsync("check.");
        await reply.CompleteAsync("Let me check.");

        Assert.Equal(["pause", "resume"], commands.Select(c => c.Type).ToArray());
        Assert.Equal([pause, resume], commands.Select(c => c.InterventionId).ToArray());
        var detail = await GetAsync(engine, "/api/v1/sessions/p1");
        Assert.Equal("Let me check.", detail.GetProperty("messages").EnumerateArray().Last().GetProperty("text").GetString());
        // Both acknowledged: a new control stream has nothing pending.
        await Task.Delay(500);
        using var stream = new HttpRequestMessage(HttpMethod.Get, "/api/v1/control");
        stream.Headers.Add("X-Api-Key", Key);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        using var response = await http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);
        var text = "";
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync(timeout.Token) is { } line) text += line + "\n";
        }
        catch (OperationCanceledException) { }
        Assert.DoesNotContain("data:", text);
    }

    [Fact]
    public async Task Guidance_reaches_the_runtimes_Guide_handler_over_the_hub_is_acknowledged_and_is_never_a_message()
    {
        var engine = await StartAsync();
        var (producer, http, options) = Producer(engine);
        using var _h = http;
        var guided = new TaskCompletionSource<(string Session, string Note)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlers = new ControlHandlers
        {
            Guide = (session, note, _) => { guided.TrySetResult((session, note)); return Task.CompletedTask; },
            Other = (command, _) => throw new InvalidOperationException($"unexpected {command.Type}"),
        };
        await using var runtime = new LiveOrleansRuntime(http, options, producer, handlers.Handle);
        await runtime.StartAsync();
        Assert.True(runtime.HubConnected);
        await runtime.PublishAsync([Started("g1"), Received("g1", "Can I get a refund?")]);

        using var admin = await AdminAsync(engine);
        var response = await admin.PostAsJsonAsync("/api/v1/sessions/g1/interventions", new { type = "guide", reason = "Retention", content = "Offer the loyalty discount first." });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        Assert.Equal(("g1", "Offer the loyalty discount first."), await guided.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        // The agent answers, taking the note into account; the note itself is no message of the conversation.
        var reply = new ReplyStream(runtime, "g1", "reply-g1");
        await reply.ThinkingAsync();
        await reply.CompleteAsync("Before a refund: may I offer you our loyalty discount?");
        var detail = await GetAsync(engine, "/api/v1/sessions/g1");
        Assert.Equal(["Can I get a refund?", "Before a refund: may I offer you our loyalty discount?"],
            detail.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.Equal("guide", Assert.Single(detail.GetProperty("interventions").EnumerateArray()).GetProperty("type").GetString());
        // Acknowledged: a new control stream has nothing pending.
        await Task.Delay(500);
        using var stream = new HttpRequestMessage(HttpMethod.Get, "/api/v1/control");
        stream.Headers.Add("X-Api-Key", Key);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        using var pending = await http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);
        var text = "";
        try
        {
            using var reader = new StreamReader(await pending.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync(timeout.Token) is { } line) text += line + "\n";
        }
        catch (OperationCanceledException) { }
        Assert.DoesNotContain("data:", text);
    }

    [Fact]
    public async Task Registration_checks_the_options_when_the_host_starts_and_names_every_problem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLiveOrleansClient(o => { o.BaseAddress = new Uri("ftp://example"); o.MaxBatchEvents = 5_000; });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("BaseAddress", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ApiKey", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxBatchEvents", StringComparison.Ordinal));
    }

    private static async Task<string> InterveneAsync(EngineProcess engine, string session, string type)
    {
        using var http = await AdminAsync(engine);
        var response = await http.PostAsJsonAsync($"/api/v1/sessions/{session}/interventions", new { type, reason = "test" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("interventionId").GetString()!;
    }

    public async Task DisposeAsync()
    {
        foreach (var engine in _engines) await engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using LiveOrleans.Client;
using LiveOrleans.Events;

namespace LiveOrleans.Api.Tests.Sdk;

/// <summary>
/// The takeover lock against the real engine process, through the SDK's runtime (hub, then HTTP for the typed answer):
/// an AI producer replying as fast as it can while a supervisor takes over, many times over.
/// </summary>
[Trait("Category", "http")]
public sealed class TakeoverRaceTests : IAsyncLifetime
{
    private const string Key = "lo_crash_key";
    private const int Rounds = 200;
    private const int AiLoops = 2;
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-takeover-").FullName;
    private EngineProcess? _engine;
    private static int _ids;

    public Task InitializeAsync() => Task.CompletedTask;

    private static string Id() => $"tk-{Interlocked.Increment(ref _ids)}";

    private static MessageContent Text(string text) => new(Id(), MessageFormat.Text, text, null, null, null);

    private static MessageSent Reply(string session, string text, SenderKind kind, string? sender)
        => new() { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Message = Text(text), Sender = new Sender(kind, sender) };

    private static MessageDelta Delta(string session, string messageId, string delta)
        => new() { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, MessageId = messageId, Delta = delta, Index = 0 };

    /// <summary>One AI send: whether it was accepted, whether it began after the takeover's 201 was received, and what it sent.</summary>
    private sealed record Send(string Text, bool Delta, bool Accepted, bool StartedAfterTakeover);

    [Fact]
    public async Task An_AI_replying_as_fast_as_it_can_never_answers_after_a_takeover_and_answers_again_after_the_handback()
    {
        _engine = await EngineProcess.StartAsync(_directory);
        var options = new LiveOrleansClientOptions
        {
            BaseAddress = _engine.Address, ApiKey = Key, MaxBatchEvents = 50,
            FirstRetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromSeconds(1), RetryFor = TimeSpan.FromMinutes(1),
        };
        using var http = new HttpClient { BaseAddress = _engine.Address, Timeout = TimeSpan.FromSeconds(30) };
        var takeovers = new ConcurrentDictionary<string, string>();
        var handbacks = new ConcurrentDictionary<string, string?>();
        var handlers = new ControlHandlers
        {
            Takeover = (session, userId, _, _) => { takeovers[session] = userId; return Task.CompletedTask; },
            Handback = (session, note, _) => { handbacks[session] = note; return Task.CompletedTask; },
        };
        await using var runtime = new LiveOrleansRuntime(http, options, new LiveOrleansProducer(http, options), handlers.Handle);
        await runtime.StartAsync();
        Assert.True(runtime.HubConnected);

        using var supervisor = new HttpClient { BaseAddress = _engine.Address, Timeout = TimeSpan.FromSeconds(30) };
        var token = (await (await supervisor.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        supervisor.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var random = new Random(2323);
        var raced = 0; // rounds where an AI send was still on its way when the 201 came back
        for (var round = 0; round < Rounds; round++)
        {
            var session = $"race{round}";
            await runtime.PublishAsync([
                new SessionStarted { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Channel = "web", AgentId = "bot", User = new UserRef("u", "Ann") },
                new MessageReceived { Id = Id(), Timestamp = DateTimeOffset.UtcNow, SessionId = session, Message = Text("I need a person") },
            ]);

            // The supervisor takes over after a seeded number of accepted AI replies (none: at once).
            var lead = random.Next(0, 4);
            var accepted = 0;
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (lead == 0) ready.TrySetResult();
            var answered = 0;
            var sends = new ConcurrentBag<Send>();

            async Task AiAsync(int loop)
            {
                for (var n = 0; ; n++)
                {
                    Assert.True(n < 100_000, "the AI was never refused");
                    var text = $"{session} ai {loop}.{n}";
                    var messageId = Id();
                    foreach (var delta in new[] { true, false })
                    {
                        var after = Volatile.Read(ref answered) == 1;
                        try
                        {
                            await runtime.PublishAsync([delta ? Delta(session, messageId, text) : Reply(session, text, SenderKind.Ai, "bot")]);
                        }
                        catch (SessionTakenOverException)
                        {
                            sends.Add(new Send(text, delta, false, after));
                            return;
                        }
                        sends.Add(new Send(text, delta, true, after));
                        if (!delta && Interlocked.Increment(ref accepted) >= lead) ready.TrySetResult();
                    }
                }
            }

            var ais = Enumerable.Range(0, AiLoops).Select(loop => Task.Run(() => AiAsync(loop))).ToArray();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var response = await supervisor.PostAsJsonAsync($"/api/v1/sessions/{session}/interventions", new { type = "takeover", reason = "race" });
            Volatile.Write(ref answered, 1);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var entry = await response.Content.ReadFromJsonAsync<JsonElement>();
            var holder = entry.GetProperty("adminId").GetString()!;
            var takeoverMessage = $"{entry.GetProperty("interventionId").GetString()}-msg";
            await Task.WhenAll(ais).WaitAsync(TimeSpan.FromSeconds(60));

            // The person's reply goes through.
            await runtime.PublishAsync([Reply(session, $"{session} human", SenderKind.Human, holder)]);

            var detail = await supervisor.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}?limit=500");
            Assert.Equal(holder, detail.GetProperty("heldBy").GetProperty("userId").GetString());
            var messages = detail.GetProperty("messages").EnumerateArray().ToArray();
            var at = Array.FindIndex(messages, m => m.GetProperty("id").GetString() == takeoverMessage);
            Assert.True(at > 0, $"{session}: the takeover's system message is not in the transcript");
            string Kind(JsonElement m) => m.TryGetProperty("sender", out var s) && s.ValueKind == JsonValueKind.Object ? s.GetProperty("kind").GetString()! : "";
            var aiLogged = messages.Select((m, i) => (Text: m.GetProperty("text").GetString()!, Index: i, Kind: Kind(m))).Where(m => m.Kind == "ai").ToArray();

            // Zero AI replies after the takeover's place in the log; exactly the accepted ones before it.
            Assert.All(aiLogged, m => Assert.True(m.Index < at, $"{session}: AI reply '{m.Text}' logged after the takeover"));
            var acceptedReplies = sends.Where(s => !s.Delta && s.Accepted).Select(s => s.Text).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(acceptedReplies, aiLogged.Select(m => m.Text).Order(StringComparer.Ordinal).ToArray());
            // Every refused send was answered with the typed refusal (anything else fails the loop) and is not stored;
            // every send begun after the 201 was refused; each AI loop ended on a refusal.
            var refused = sends.Where(s => !s.Accepted).ToArray();
            Assert.Equal(AiLoops, refused.Length);
            Assert.All(refused.Where(s => !s.Delta), s => Assert.DoesNotContain(s.Text, aiLogged.Select(m => m.Text)));
            Assert.DoesNotContain(sends, s => s.Accepted && s.StartedAfterTakeover);
            if (sends.Any(s => s.Accepted) && refused.Any(s => !s.StartedAfterTakeover)) raced++;
            var human = Array.FindIndex(messages, m => m.GetProperty("text").GetString() == $"{session} human");
            Assert.True(human > at, $"{session}: the person's reply is missing or before the takeover");

            // Handed back (with a note for the agent), the AI answers again.
            var handback = await supervisor.PostAsJsonAsync($"/api/v1/sessions/{session}/interventions", new { type = "handback", reason = "race", content = $"note {round}" });
            Assert.Equal(HttpStatusCode.Created, handback.StatusCode);
            await runtime.PublishAsync([Reply(session, $"{session} ai again", SenderKind.Ai, "bot")]);
            var after = await supervisor.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}?limit=500");
            Assert.Equal(JsonValueKind.Null, after.GetProperty("heldBy").ValueKind);
            Assert.Equal($"{session} ai again", after.GetProperty("messages").EnumerateArray().Last().GetProperty("text").GetString());
        }

        // The producer was told each takeover (with who holds it) and each handback (with its note) by control commands.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((takeovers.Count < Rounds || handbacks.Count < Rounds) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(Rounds, takeovers.Count);
        Assert.Equal(Rounds, handbacks.Count);
        Assert.Equal("note 7", handbacks["race7"]);
        Assert.Single(takeovers.Values.Distinct());
        // The race was real: in some rounds a send begun before the 201 was refused (it reached the session after the takeover).
        Assert.True(raced > 0, "no round raced");
    }

    public async Task DisposeAsync()
    {
        if (_engine is not null) await _engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

using System.Text;
using LiveOrleans.Events;
using LiveOrleans.Runtime;
using LiveOrleans.Runtime.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveOrleans.Grains.Tests;

/// <summary>
/// The real grains, fed a varied conversation log live (typed events handed to the partitions) and then
/// replayed from the stored bytes on a fresh silo: every grain's state must be the same, byte for byte.
/// </summary>
public sealed class ReplayDeterminismTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Silo NewSilo(IEventLogStore log, IGrainStorage storage) => new(
        log, storage, LiveEventRouter.GrainTypes(), new LiveEventRouter(new LiveOptions()),
        // No timer fires during the test: collecting an ended session is memory management, and would make the set of
        // active grains depend on when a tick happened.
        new SiloOptions { Partitions = 4, CheckpointInterval = TimeSpan.FromHours(1), TimerTick = TimeSpan.FromHours(1) },
        new FixedClock(Start.AddHours(3)), NullLoggerFactory.Instance);

    [Fact]
    public async Task Replaying_the_log_gives_the_same_grain_state_as_applying_it_live()
    {
        var events = Conversations(seed: 5, sessions: 150).ToList();
        var liveLog = new InMemoryEventLogStore();
        await using (var live = NewSilo(liveLog, new InMemoryGrainStorage()))
        {
            await live.StartAsync();
            await live.AppendAsync("acme", [LiveEventRouter.ToLog("acme", new ConfigureTenant { Timestamp = Start, TimeZone = "Europe/Berlin" })]);
            for (var i = 0; i < events.Count; i += 25)
            {
                var tenant = i % 50 == 0 ? "globex" : "acme";
                await live.AppendAsync(tenant, [.. events.Skip(i).Take(25).Select(e => LiveEventRouter.ToLog(tenant, e))]);
            }
            for (var s = 0; s < 40; s += 3)
            {
                foreach (var type in new[] { InterventionType.Pause, InterventionType.SystemMessage, InterventionType.Resume })
                {
                    await live.SubmitAsync("acme", LiveEventRouter.ToLog("acme", new Intervene
                    {
                        Timestamp = Start.AddHours(2), InterventionId = $"int_{s}_{type}", SessionId = $"s{s}", AdminId = "usr_x",
                        Type = type, Reason = "test", Content = "Notice",
                    }));
                }
            }
            var expected = await live.SnapshotAllAsync();

            await using var replayed = NewSilo(liveLog, new InMemoryGrainStorage());
            await replayed.StartAsync();
            var actual = await replayed.SnapshotAllAsync();

            Assert.True(expected.Count > 100, $"only {expected.Count} grains: the script is too small to show anything");
            Assert.Equal(expected.Keys.Select(k => k.ToString()).Order(), actual.Keys.Select(k => k.ToString()).Order());
            foreach (var (id, data) in expected) Assert.Equal(Encoding.UTF8.GetString(data), Encoding.UTF8.GetString(actual[id]));
        }
    }

    /// <summary>A seeded mix of every logged event type, with timestamps (whole milliseconds, as validated events have) not in arrival order.</summary>
    private static IEnumerable<LiveEvent> Conversations(int seed, int sessions)
    {
        var random = new Random(seed);
        string[] channels = ["web", "whatsapp", "email", "phone"];
        var n = 0;
        for (var s = 0; s < sessions; s++)
        {
            var id = $"s{s}";
            var t = Start.AddMinutes(random.Next(600)).AddMilliseconds(random.Next(1000));
            string E() => $"e{n++}";
            if (random.Next(5) > 0)
            {
                yield return new SessionStarted
                {
                    Id = E(), Timestamp = t, SessionId = id, Channel = channels[random.Next(4)], AgentId = $"bot{random.Next(3)}",
                    User = new UserRef($"u{s}", random.Next(2) == 0 ? null : $"User {s}"), TeamId = random.Next(3) == 0 ? "sales" : null,
                    OwnerId = random.Next(3) == 0 ? "alice" : null, Priority = (Priority)random.Next(4),
                };
            }
            for (var step = 0; step < 3 + random.Next(8); step++)
            {
                t = t.AddSeconds(random.Next(-20, 90)).AddMilliseconds(random.Next(1000));
                var message = new MessageContent($"m{n}", MessageFormat.Text, $"text {n} about order {random.Next(100)}", null, null, null);
                yield return (random.Next(9)) switch
                {
                    0 => new MessageReceived { Id = E(), Timestamp = t, SessionId = id, Message = message },
                    1 => new MessageSent { Id = E(), Timestamp = t, SessionId = id, Message = message, Sender = new Sender(SenderKind.Ai, null), Broadcast = random.Next(4) == 0 },
                    2 => new MessageSent { Id = E(), Timestamp = t, SessionId = id, Message = message, Sender = new Sender(SenderKind.Human, "alice"), InternalNote = random.Next(3) == 0, Delivery = random.Next(4) == 0 ? Delivery.Failed : Delivery.Sent },
                    3 => new AgentThinking { Id = E(), Timestamp = t, SessionId = id },
                    4 => new ErrorOccurred { Id = E(), Timestamp = t, SessionId = id, Error = new ErrorInfo("timeout", "slow model") },
                    5 => new ConversationAssigned { Id = E(), Timestamp = t, SessionId = id, OwnerId = random.Next(2) == 0 ? null : "bob", ChangesTeam = random.Next(2) == 0, TeamId = "support" },
                    6 => new ConversationStatusChanged { Id = E(), Timestamp = t, SessionId = id, Status = (ConversationStatus)random.Next(2) },
                    7 => new PriorityChanged { Id = E(), Timestamp = t, SessionId = id, Priority = Priority.Urgent },
                    _ => new AgentStatusChanged { Id = E(), Timestamp = t, AgentId = $"bot{random.Next(3)}", Status = (AgentStatus)random.Next(2), Teams = ["sales"] },
                };
            }
            if (random.Next(3) == 0) yield return new SessionEnded { Id = E(), Timestamp = t.AddMinutes(1), SessionId = id, Reason = "done" };
        }
    }
}

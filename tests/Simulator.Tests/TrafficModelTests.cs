using System.Text.Json;
using LiveOrleans.Events;

namespace LiveOrleans.Simulator.Tests;

[Trait("Category", "unit")]
public sealed class TrafficModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);
    private static readonly SimulatedTenant[] Tenants = [new("acme", "Europe/Berlin"), new("globex", "America/New_York"), new("initech", "Asia/Tokyo")];

    private static string Script(int seed, TimeSpan length)
    {
        var model = new TrafficModel(seed, Tenants, Start);
        var events = model.Advance(Start + length);
        return string.Join("\n", events.Select(e => $"{e.At:O} {e.Tenant} {JsonSerializer.Serialize(e.Event, LiveJson.Options)}"));
    }

    [Fact]
    public void The_same_seed_gives_the_same_events_and_another_seed_others()
    {
        var once = Script(7, TimeSpan.FromHours(1));
        Assert.Equal(once, Script(7, TimeSpan.FromHours(1)));
        Assert.NotEqual(once, Script(8, TimeSpan.FromHours(1)));
        Assert.True(once.Split('\n').Length > 1000, "an hour of three tenants should be busy");
    }

    [Fact]
    public void The_traffic_covers_every_event_type_channel_and_message_kind()
    {
        var events = new TrafficModel(11, Tenants, Start).Advance(Start.AddHours(4)).Select(e => e.Event).ToList();

        var types = events.Select(e => JsonSerializer.SerializeToElement(e, LiveJson.Options).GetProperty("type").GetString()).ToHashSet();
        Assert.Equal(Validation.EventValidator.EventTypes.Order(), types.Order()!);
        Assert.Equal(TrafficModel.Channels.Order(), events.OfType<SessionStarted>().Select(s => s.Channel).Distinct().Order());
        var messages = events.OfType<MessageReceived>().Select(m => m.Message).ToList();
        Assert.Contains(messages, m => m.Format == MessageFormat.Voice && m.Confidence is > 0 and <= 1);
        Assert.Contains(messages, m => m.Format == MessageFormat.Media && m.Attachments is { Count: > 0 });
        var sent = events.OfType<MessageSent>().ToList();
        Assert.Contains(sent, m => m.Broadcast);
        Assert.Contains(sent, m => m.InternalNote);
        Assert.Contains(sent, m => m.Delivery == Delivery.Failed);
        Assert.Contains(sent, m => m.Sender.Kind == SenderKind.Ai);
        Assert.Contains(sent, m => m.Sender.Kind == SenderKind.Human);
        Assert.Contains(events.OfType<AgentStatusChanged>(), a => a.Status == AgentStatus.Offline);
        Assert.Contains(events.OfType<SessionStarted>(), s => s.Priority == Priority.Urgent);
        // Broadcasts mostly get no reply.
        var broadcastSessions = sent.Where(m => m.Broadcast).Select(m => m.SessionId).ToHashSet();
        var answered = events.OfType<MessageReceived>().Count(m => broadcastSessions.Contains(m.SessionId));
        Assert.True(answered < broadcastSessions.Count / 2, $"{answered} of {broadcastSessions.Count} broadcasts answered");
    }

    [Fact]
    public void Arrivals_are_busier_in_the_tenant_business_hours()
    {
        var tenant = new SimulatedTenant("solo", "UTC");
        var events = new TrafficModel(3, [tenant], new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)).Advance(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));
        var starts = events.Where(e => e.Event is SessionStarted).Select(e => e.At.Hour).ToList();

        Assert.True(starts.Count(h => h is >= 10 and < 12) > 3 * starts.Count(h => h is >= 1 and < 3));
    }

    [Fact]
    public void Without_business_hours_the_night_is_as_busy_as_the_day()
    {
        var tenant = new SimulatedTenant("solo", "UTC");
        var day = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        int Starts(bool businessHours, int fromHour) => new TrafficModel(3, [tenant], day, businessHours: businessHours)
            .Advance(day.AddDays(1)).Count(e => e.Event is SessionStarted && e.At.Hour >= fromHour && e.At.Hour < fromHour + 2);

        // 20 arrivals a minute for two hours: about 2,400 either way, against about 360 at night with business hours.
        Assert.InRange(Starts(businessHours: false, fromHour: 1), 0.8 * Starts(businessHours: false, fromHour: 10), 1.25 * Starts(businessHours: false, fromHour: 10));
        Assert.True(Starts(businessHours: false, fromHour: 1) > 3 * Starts(businessHours: true, fromHour: 1));
    }

    [Fact]
    public void It_obeys_control_commands_like_a_runtime()
    {
        var model = new TrafficModel(5, [new SimulatedTenant("solo", "UTC")], Start.AddHours(4), sessionsPerMinute: 30);
        var first = model.Advance(Start.AddHours(4).AddSeconds(30));
        var session = first.Select(e => e.Event).OfType<MessageReceived>().Last().SessionId!;
        bool IsAgentEvent(LiveEvent e) => e.SessionId == session && (e is AgentThinking or MessageDelta || (e is MessageSent m && m.Sender.Kind != SenderKind.System));

        model.Control(0, "pause", session, "int_pause1", null, null);
        var whilePaused = model.Advance(Start.AddHours(4).AddMinutes(10)).Select(e => e.Event).ToList();
        Assert.DoesNotContain(whilePaused, IsAgentEvent);

        model.Control(0, "override", session, "int_override1", "A specialist will call you.", null);
        model.Control(0, "resume", session, "int_resume1", null, null);
        var after = model.Advance(Start.AddHours(4).AddMinutes(20)).Select(e => e.Event).ToList();
        var reply = Assert.IsType<MessageSent>(after.First(e => e is MessageSent m && m.SessionId == session && !m.InternalNote && m.Delivery == Delivery.Sent));
        Assert.Equal("int_override1", reply.OverrideOf);
        Assert.Equal("A specialist will call you.", reply.Message.Text);
    }

    [Fact]
    public void An_AI_agent_takes_guidance_into_its_next_reply_and_says_so()
    {
        var model = new TrafficModel(5, [new SimulatedTenant("solo", "UTC")], Start.AddHours(4), sessionsPerMinute: 30);
        var first = model.Advance(Start.AddHours(4).AddSeconds(30)).Select(e => e.Event).ToList();
        // A conversation of an AI agent that is still going (its agent thought, and it has not ended).
        var ended = first.OfType<SessionEnded>().Select(e => e.SessionId).ToHashSet();
        var session = first.OfType<AgentThinking>().Select(e => e.SessionId!).Last(s => !ended.Contains(s));

        model.Control(0, "guide", session, "int_guide1", "Offer the 10% loyalty discount.", null);
        var after = model.Advance(Start.AddHours(4).AddMinutes(20)).Select(e => e.Event).ToList();

        var replies = after.OfType<MessageSent>().Where(m => m.SessionId == session && m.Sender.Kind == SenderKind.Ai).ToList();
        Assert.NotEmpty(replies);
        Assert.StartsWith("(Following the supervisor's guidance.) ", replies[0].Message.Text);
        // Taken once: the replies after it are the agent's own again.
        Assert.DoesNotContain(replies.Skip(1), m => m.Message.Text!.Contains("guidance", StringComparison.Ordinal));
        // The note itself is private: no message of the conversation holds it, not even the reply that follows it.
        Assert.DoesNotContain(after.OfType<MessageSent>(), m => m.Message.Text!.Contains("loyalty discount", StringComparison.Ordinal));
        Assert.DoesNotContain(after.OfType<MessageDelta>(), d => d.SessionId == session && d.Delta.Contains("loyalty", StringComparison.Ordinal));
    }
}

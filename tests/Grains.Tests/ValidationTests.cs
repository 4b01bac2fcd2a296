using System.Text.Json;
using LiveOrleans.Events;
using LiveOrleans.Queries;
using LiveOrleans.Views;
using LiveOrleans.Validation;

namespace LiveOrleans.Grains.Tests;

[Trait("Category", "unit")]
public sealed class ValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static (IReadOnlyList<LiveEvent> Events, IDictionary<string, string[]> Errors) Validate(string json)
    {
        var errors = new ValidationErrors();
        using var doc = JsonDocument.Parse(json);
        var events = EventValidator.ValidateBatch(doc.RootElement, Now, errors);
        return (events, errors.ToDictionary());
    }

    [Fact]
    public void A_valid_batch_becomes_typed_events()
    {
        var (events, errors) = Validate("""
            {"events":[
              {"id":"e1","type":"session_started","timestamp":"2026-11-22T09:00:00+01:00","sessionId":"s","channel":"whatsapp","agentId":"bot","user":{"id":"u"},"metadata":{"plan":"gold"}},
              {"id":"e2","type":"conversation_assigned","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","ownerId":null},
              {"id":"e3","type":"conversation_assigned","timestamp":"2026-11-22T09:00:00Z","sessionId":"s","ownerId":"alice","teamId":null}
            ]}
            """);

        Assert.Empty(errors);
        var started = Assert.IsType<SessionStarted>(events[0]);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero), started.Timestamp);
        Assert.Equal("gold", started.Metadata!["plan"]);
        var unassigned = Assert.IsType<ConversationAssigned>(events[1]);
        Assert.Null(unassigned.OwnerId);
        Assert.False(unassigned.ChangesTeam);
        var teamCleared = Assert.IsType<ConversationAssigned>(events[2]);
        Assert.True(teamCleared.ChangesTeam);
        Assert.Null(teamCleared.TeamId);
    }

    [Fact]
    public void A_timestamp_up_to_five_minutes_ahead_is_accepted_beyond_it_refused()
    {
        Assert.Empty(Validate("""{"events":[{"id":"e","type":"agent_thinking","sessionId":"s","timestamp":"2026-11-22T10:05:00Z"}]}""").Errors);
        Assert.Contains("events[0].timestamp", Validate("""{"events":[{"id":"e","type":"agent_thinking","sessionId":"s","timestamp":"2026-11-22T10:05:01Z"}]}""").Errors.Keys);
    }

    [Fact]
    public void A_body_without_an_events_array_is_named()
    {
        Assert.Contains("events", Validate("""{"items":[]}""").Errors.Keys);
        Assert.Contains("events", Validate("""{"events":{}}""").Errors.Keys);
    }

    [Fact]
    public void Events_round_trip_through_the_log_format()
    {
        var (events, _) = Validate("""
            {"events":[{"id":"e","type":"message_sent","timestamp":"2026-11-22T09:00:00.123Z","sessionId":"s",
              "message":{"id":"m","format":"voice","text":"hi","speaker":"agent","confidence":0.5},"sender":{"kind":"ai","id":"bot"},"delivery":"failed"}]}
            """);

        var bytes = JsonSerializer.SerializeToUtf8Bytes(events[0], LiveJson.Options);
        var back = Assert.IsType<MessageSent>(JsonSerializer.Deserialize<LiveEvent>(bytes, LiveJson.Options));

        Assert.Equal(Delivery.Failed, back.Delivery);
        Assert.False(back.IsBusinessReply);
        Assert.Equal(0.5, back.Message.Confidence);
        Assert.Equal(events[0].Timestamp, back.Timestamp);
    }

    [Fact]
    public void Restricting_a_filter_to_an_owner_intersects_it()
    {
        Assert.Equal(["alice"], LiveFilter.All.RestrictToOwner("alice").Owners!);
        Assert.Equal(["alice"], new LiveFilter { Owners = ["alice", "bob"] }.RestrictToOwner("alice").Owners!);
        Assert.Equal([LiveFilter.NoOwnerMatches], new LiveFilter { Owners = ["bob"] }.RestrictToOwner("alice").Owners!);
    }

    [Fact]
    public void Session_cursors_round_trip_and_reject_garbage()
    {
        var at = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
        Assert.True(SessionCursor.TryParse(SessionCursor.Format(at, "s|1"), out var back));
        Assert.Equal(new LiveOrleans.Live.SessionListPosition(at, "s|1"), back);
        Assert.False(SessionCursor.TryParse("not-a-cursor!", out _));
    }
}

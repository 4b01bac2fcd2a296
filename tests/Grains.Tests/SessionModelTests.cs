using System.Text.Json;

namespace LiveOrleans.Grains.Tests;

/// <summary>The session's rules without a silo: the state machine of docs/semantics.md and replay determinism.</summary>
[Trait("Category", "unit")]
public sealed class SessionModelTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private sealed class Session(string id = "s")
    {
        private long _position;
        public SessionModel Model { get; } = new("acme", id, new SessionState(), new LiveOptions());

        public Session Apply(params LiveEvent[] events)
        {
            foreach (var e in events) Model.Apply(e, ++_position, new SessionEffects());
            return this;
        }

        public Session Apply(InterventionCommand command)
        {
            Model.Apply(command, ++_position, new SessionEffects());
            return this;
        }

        public LiveState State => Model.LiveState;
    }

    [Fact]
    public void The_live_state_follows_the_table_of_the_semantics()
    {
        var s = new Session().Apply(Ev.Started("s", T), Ev.Received("s", T));
        Assert.Equal(LiveState.Active, s.State);
        Assert.Equal(LiveState.Thinking, s.Apply(Ev.Thinking("s", T)).State);
        Assert.True(s.Model.Delta(Ev.Delta("s", T, "m1", "Hel", 0), new SessionEffects()));
        Assert.Equal(LiveState.Streaming, s.State);
        Assert.Equal(StreamState.Streaming, s.Model.StreamState);
        Assert.Equal(LiveState.Active, s.Apply(Ev.Sent("s", T)).State);
        Assert.Equal(StreamState.Complete, s.Model.StreamState);
        Assert.Equal(LiveState.Error, s.Apply(Ev.Error("s", T)).State);
        // From error, a later message moves the state as the table says for that message.
        Assert.Equal(LiveState.Active, s.Apply(Ev.Received("s", T)).State);
        Assert.Equal(LiveState.Error, s.Apply(Ev.Error("s", T)).State);
        Assert.Equal(LiveState.Thinking, s.Apply(Ev.Thinking("s", T)).State);

        Assert.Equal(LiveState.Paused, s.Apply(Ev.Intervention(InterventionType.Pause, T)).State);
        Assert.Equal(LiveState.Paused, s.Apply(Ev.Received("s", T, "Anyone?")).State);
        Assert.Contains("paused", s.Model.Refusal([Ev.Thinking("s", T)]));
        Assert.Contains("message_sent", s.Model.Refusal([Ev.Received("s", T), Ev.Sent("s", T)]));
        Assert.Null(s.Model.Refusal([Ev.Received("s", T), Ev.Sent("s", T, kind: SenderKind.System)]));
        Assert.False(s.Model.Delta(Ev.Delta("s", T, "m2", "x", 0), new SessionEffects()));
        Assert.Contains("already paused", s.Model.Refusal(Ev.Intervention(InterventionType.Pause, T)));

        Assert.Equal(LiveState.Active, s.Apply(Ev.Intervention(InterventionType.Resume, T)).State);
        Assert.Contains("not paused", s.Model.Refusal(Ev.Intervention(InterventionType.Resume, T)));
        Assert.Equal(LiveState.Ended, s.Apply(Ev.Ended("s", T)).State);
        Assert.Equal(LiveState.Ended, s.Apply(Ev.Received("s", T), Ev.Thinking("s", T), Ev.Error("s", T)).State);
        Assert.Contains("has ended", s.Model.Refusal(Ev.Intervention(InterventionType.SystemMessage, T, "hi")));
    }

    [Fact]
    public void A_customer_message_leaves_a_thinking_agent_active_and_another_senders_message_does_not()
    {
        var s = new Session().Apply(Ev.Started("s", T), Ev.Received("s", T), Ev.Thinking("s", T));
        Assert.Equal(LiveState.Thinking, s.Apply(Ev.Sent("s", T, kind: SenderKind.Human, sender: "alice")).State);
        Assert.Equal(LiveState.Active, s.Apply(Ev.Received("s", T)).State);
    }

    [Fact]
    public void Facts_follow_the_first_message_the_replies_and_the_days_it_is_active_on()
    {
        var s = new Session().Apply(
            Ev.Started("s", T.AddHours(-10), channel: "whatsapp", team: "sales"),
            Ev.Received("s", T.AddHours(-10)),
            Ev.Sent("s", T.AddHours(-10).AddSeconds(30), internalNote: true),
            Ev.Sent("s", T.AddHours(-10).AddSeconds(40)),
            Ev.Received("s", T));

        var days = s.Model.Days("UTC");
        // 2026-11-22 23:00 and 2026-11-23 09:00 in UTC: two active days; initiated (incoming first) in hour 23 of the first.
        Assert.Equal(["2026-11-22", "2026-11-23"], days.Select(d => d.Day));
        Assert.Equal(23, days[0].Facts.InitiatedHour);
        Assert.Equal(-1, days[1].Facts.InitiatedHour);
        Assert.All(days, d => Assert.False(d.Facts.Waiting));
        Assert.Equal(40_000, Assert.Single(s.Model.Entry().Replies).Milliseconds);
    }

    [Fact]
    public void A_broadcast_only_conversation_contributes_to_no_day()
    {
        var s = new Session().Apply(Ev.Started("s", T), Ev.Sent("s", T, broadcast: true));
        Assert.True(s.Model.IsBroadcastOnly);
        Assert.Empty(s.Model.Days("UTC"));
        Assert.NotEmpty(s.Apply(Ev.Received("s", T)).Model.Days("UTC"));
    }

    /// <summary>
    /// A varied conversation log applied live (the typed events, in a state that knows the tenant's zone) and replayed
    /// from the bytes the log stores into a state that does not (a crash before the session's first snapshot) gives the
    /// same state and the same facts, byte for byte, in zones east and west of UTC: what a grain recovers after a crash
    /// is what it had.
    /// </summary>
    [Fact]
    public void Replaying_a_session_from_the_stored_entries_gives_the_state_and_facts_it_had_live()
    {
        string[] zones = ["Europe/Berlin", "Asia/Kuala_Lumpur", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kolkata", "Asia/Kathmandu"];
        var random = new Random(7);
        var total = 0;
        for (var n = 0; n < 150; n++)
        {
            var id = $"s{n}";
            var zone = zones[n % zones.Length];
            var live = new SessionModel("acme", id, new SessionState { TimeZone = zone }, new LiveOptions());
            var stored = new List<(long Position, bool Intervention, byte[] Payload)>();
            long position = 0;
            foreach (var entry in Conversation(random, id))
            {
                position += 1 + random.Next(3);
                if (entry is LiveEvent e)
                {
                    if (live.Refusal([e]) is not null) continue; // the grain refuses it before storing it
                    live.Apply(e, position, new SessionEffects());
                    stored.Add((position, false, JsonSerializer.SerializeToUtf8Bytes(e, LiveJson.Options)));
                }
                else if (entry is InterventionCommand c && live.Refusal(c) is null)
                {
                    live.Apply(c, position, new SessionEffects());
                    stored.Add((position, true, JsonSerializer.SerializeToUtf8Bytes(c, LiveJson.Options)));
                }
            }

            var replayed = new SessionModel("acme", id, new SessionState(), new LiveOptions());
            foreach (var (at, intervention, payload) in stored)
            {
                if (intervention) replayed.Apply(JsonSerializer.Deserialize<InterventionCommand>(payload, LiveJson.Options)!, at, new SessionEffects());
                else replayed.Apply(JsonSerializer.Deserialize<LiveEvent>(payload, LiveJson.Options)!, at, new SessionEffects());
            }

            total += stored.Count;
            Assert.Equal(JsonSerializer.Serialize(live.Changes(null, zone), LiveJson.Options), JsonSerializer.Serialize(replayed.Changes(null, zone), LiveJson.Options));
            replayed.State.TimeZone = zone; // the one field the call that activates a grain gives it
            Assert.Equal(JsonSerializer.Serialize(live.State, LiveJson.Options), JsonSerializer.Serialize(replayed.State, LiveJson.Options));
        }
        Assert.True(total > 1000, $"only {total} entries stored: the script is too small to show anything");
    }

    [Theory]
    [InlineData("Asia/Kuala_Lumpur", "2026-11-23T16:30:00Z", "2026-11-24", 0)]
    [InlineData("America/New_York", "2026-11-24T03:30:00Z", "2026-11-23", 22)]
    [InlineData("Pacific/Kiritimati", "2026-11-23T10:15:00Z", "2026-11-24", 0)]
    [InlineData("Etc/GMT+12", "2026-11-24T11:45:00Z", "2026-11-23", 23)]
    [InlineData("Asia/Kathmandu", "2026-11-23T18:15:00Z", "2026-11-24", 0)]
    [InlineData("Australia/Adelaide", "2026-11-23T13:30:00Z", "2026-11-24", 0)]
    public void A_conversation_counts_on_the_local_day_and_hour_of_its_messages_whatever_zone_its_state_was_built_in(string zone, string at, string day, int hour)
    {
        var t = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        // Built without the zone (as a replay after a crash is), asked in the zone.
        var s = new Session().Apply(Ev.Started("s", t), Ev.Received("s", t));
        var facts = Assert.Single(s.Model.Days(zone));
        Assert.Equal((day, hour), (facts.Day, facts.Facts.InitiatedHour));
    }

    [Fact]
    public void A_session_keeps_its_last_three_local_days_and_forgets_quarter_hours_older_than_four_days()
    {
        var s = new Session().Apply(Ev.Started("s", T));
        for (var d = 0; d < 6; d++) s.Apply(Ev.Received("s", T.AddDays(d)), Ev.Received("s", T.AddDays(d).AddMinutes(1)));
        Assert.Equal(["2026-11-26", "2026-11-27", "2026-11-28"], s.Model.Days("UTC").Select(d => d.Day));
        Assert.Equal(5, s.Model.State.ActiveSlots.Count); // 2026-11-24 .. 11-28 at 09:00: a slot a day, four days back from the newest
        // A late message of an old day still counts on its day when it is among the last three.
        s.Apply(Ev.Received("s", T.AddDays(4).AddHours(-12)));
        Assert.Equal(["2026-11-26", "2026-11-27", "2026-11-28"], s.Model.Days("UTC").Select(d => d.Day));
    }

    [Fact]
    public void The_streaming_text_is_the_deltas_in_order_up_to_the_cap_and_a_logged_event_clears_it()
    {
        var s = new Session().Apply(Ev.Started("s", T), Ev.Received("s", T));
        Assert.Null(s.Model.StreamingText);
        // Deltas of 1,000 characters past the cap: a delta that would pass it is left out, later smaller ones still fit.
        var expected = "";
        var deltas = Enumerable.Range(0, 40).Select(i => new string((char)('a' + i % 26), i == 39 ? 3 : 1_000)).ToArray();
        for (var i = 0; i < deltas.Length; i++)
        {
            Assert.True(s.Model.Delta(Ev.Delta("s", T, "m1", deltas[i], i), new SessionEffects()));
            if (expected.Length + deltas[i].Length <= LiveOrleans.Validation.Limits.MaxMessageTextBytes) expected += deltas[i];
        }
        Assert.Equal(expected, s.Model.StreamingText);
        Assert.Equal(LiveOrleans.Validation.Limits.MaxMessageTextBytes - LiveOrleans.Validation.Limits.MaxMessageTextBytes % 1_000 + 3, s.Model.StreamingText!.Length);

        s.Apply(Ev.Sent("s", T));
        Assert.Null(s.Model.StreamingText);
        Assert.True(s.Model.Delta(Ev.Delta("s", T, "m2", "", 0), new SessionEffects()));
        Assert.True(s.Model.Delta(Ev.Delta("s", T, "m2", "Hi", 1), new SessionEffects()));
        Assert.Equal("Hi", s.Model.StreamingText);
        s.Apply(Ev.Intervention(InterventionType.Takeover, T));
        Assert.Null(s.Model.StreamingText);
    }

    [Fact]
    public void A_takeover_refuses_the_AI_and_others_but_not_the_holder_and_a_replay_keeps_the_hold()
    {
        var s = new Session().Apply(Ev.Started("s", T), Ev.Received("s", T), Ev.Thinking("s", T));
        Assert.True(s.Model.Delta(Ev.Delta("s", T, "m1", "Hel", 0), new SessionEffects()));
        var takeover = Ev.Intervention(InterventionType.Takeover, T) with { HolderName = "Sue" };
        Assert.Null(s.Model.Refusal(takeover));
        s.Apply(takeover);
        Assert.Equal(new SessionHolder("usr_test", "Sue", takeover.Timestamp), s.Model.Card().HeldBy);
        Assert.Equal(LiveState.Active, s.State); // the reply that was streaming is cut
        Assert.Equal("A member of our team has joined the conversation.", s.Model.State.Messages[^1].Text);

        Assert.Equal(RefusalKind.TakenOver, s.Model.RefusalOf([Ev.Sent("s", T)])!.Value.Kind);
        Assert.Contains("taken over by Sue (usr_test)", s.Model.Refusal([Ev.Received("s", T), Ev.Delta("s", T, "m2", "x", 0)]));
        Assert.NotNull(s.Model.Refusal([Ev.Sent("s", T, kind: SenderKind.Human, sender: "usr_other")]));
        Assert.NotNull(s.Model.Refusal([Ev.Sent("s", T, kind: SenderKind.Human)]));
        Assert.Null(s.Model.Refusal([Ev.Sent("s", T, kind: SenderKind.Human, sender: "usr_test"), Ev.Sent("s", T, kind: SenderKind.System), Ev.Received("s", T), Ev.Thinking("s", T)]));

        // One holder: a second takeover is refused; a handback by someone else needs an admin.
        Assert.Contains("held by Sue (usr_test)", s.Model.Refusal(Ev.Intervention(InterventionType.Takeover, T) with { AdminId = "usr_max" }));
        Assert.Contains("already yours", s.Model.Refusal(Ev.Intervention(InterventionType.Takeover, T)));
        Assert.Contains("only they or an admin", s.Model.HolderRefusal(Ev.Intervention(InterventionType.Handback, T) with { AdminId = "usr_max" }));
        Assert.Null(s.Model.HolderRefusal(Ev.Intervention(InterventionType.Handback, T) with { AdminId = "usr_max", ByAdmin = true }));

        // Paused as well, the pause speaks first and refuses the holder too.
        s.Apply(Ev.Intervention(InterventionType.Pause, T));
        Assert.Equal(RefusalKind.Paused, s.Model.RefusalOf([Ev.Sent("s", T, kind: SenderKind.Human, sender: "usr_test")])!.Value.Kind);
        s.Apply(Ev.Intervention(InterventionType.Resume, T));

        // What the log keeps gives the same hold on replay.
        var replayed = new SessionModel("acme", "s", new SessionState(), new LiveOptions());
        replayed.Apply(Ev.Started("s", T), 1, new SessionEffects());
        replayed.Apply(JsonSerializer.Deserialize<InterventionCommand>(JsonSerializer.SerializeToUtf8Bytes(takeover, LiveJson.Options), LiveJson.Options)!, 2, new SessionEffects());
        Assert.Equal(s.Model.Card().HeldBy, replayed.Card().HeldBy);

        s.Apply(Ev.Intervention(InterventionType.Handback, T, "Refund approved"));
        Assert.Null(s.Model.Card().HeldBy);
        Assert.Null(s.Model.Refusal([Ev.Sent("s", T)]));
        Assert.Contains("not taken over", s.Model.Refusal(Ev.Intervention(InterventionType.Handback, T)));
        s.Apply(takeover with { InterventionId = "int_again1234" }).Apply(Ev.Ended("s", T));
        Assert.Null(s.Model.Card().HeldBy); // the end releases the hold
    }

    /// <summary>A seeded mix of every logged event type and intervention, timestamps not in arrival order.</summary>
    private static IEnumerable<object> Conversation(Random random, string id)
    {
        var t = T.AddMinutes(random.Next(600)).AddMilliseconds(random.Next(1000));
        if (random.Next(5) > 0) yield return Ev.Started(id, t, channel: new[] { "web", "whatsapp", "email" }[random.Next(3)], agent: $"bot{random.Next(3)}",
            team: random.Next(3) == 0 ? "sales" : null, owner: random.Next(3) == 0 ? "alice" : null, priority: (Priority)random.Next(4));
        for (var step = 0; step < 4 + random.Next(10); step++)
        {
            t = t.AddSeconds(random.Next(-20, 90)).AddMilliseconds(random.Next(1000));
            yield return random.Next(11) switch
            {
                0 or 1 => Ev.Received(id, t, $"question {random.Next(100)} about order"),
                2 => Ev.Sent(id, t, $"answer {random.Next(100)}", broadcast: random.Next(4) == 0),
                3 => Ev.Sent(id, t, "note", SenderKind.Human, "alice", internalNote: random.Next(3) == 0, delivery: random.Next(4) == 0 ? Delivery.Failed : Delivery.Sent),
                4 => Ev.Thinking(id, t),
                5 => Ev.Error(id, t),
                6 => Ev.Assigned(id, t, random.Next(2) == 0 ? null : "bob"),
                7 => Ev.Closed(id, t),
                8 => Ev.Intervention(InterventionType.Pause, t),
                9 => Ev.Intervention(InterventionType.Resume, t),
                _ => Ev.Intervention(InterventionType.SystemMessage, t, "A notice"),
            };
        }
        if (random.Next(3) == 0) yield return Ev.Ended(id, t.AddMinutes(1));
    }
}

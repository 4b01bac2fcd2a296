using LiveOrleans.Events;

namespace LiveOrleans.Simulator;

// The conversation scripts: one step at a time, each scheduling the next.
public sealed partial class TrafficModel
{
    private enum StepKind { Arrival, Presence, CustomerMessage, AgentThink, AgentDelta, AgentReply, HumanReply, Broadcast, Close, End }

    private enum ConversationKind { Ai, Human, Broadcast }

    private sealed record Step(int Tenant, string? Key, StepKind Kind);

    private sealed class Conversation(int tenant, string id, ConversationKind kind, string agent, string channel)
    {
        public int Tenant { get; } = tenant;
        public string Id { get; } = id;
        public ConversationKind Kind { get; set; } = kind;
        public string Agent { get; set; } = agent;
        public string Channel { get; } = channel;
        public string? Owner { get; set; }
        public int TurnsLeft { get; set; }
        public bool Paused { get; set; }

        /// <summary>A person took the conversation over: its agent waits until the handback.</summary>
        public bool Held { get; set; }
        public (string InterventionId, string Content)? Override { get; set; }
        public string? Guidance { get; set; }
        public string[] ReplyWords { get; set; } = [];
        public string MessageId { get; set; } = "";
        public int DeltaIndex { get; set; }
    }

    private static readonly string[] Questions =
    [
        "Hi, where is my order?", "Can I change my delivery address?", "My card was charged twice.", "How do I reset my password?",
        "Do you ship to Canada?", "The app crashes when I open it.", "I want to cancel my subscription.", "Is the blue model in stock?",
    ];

    private static readonly string[] Replies =
    [
        "Thanks for reaching out! Let me check that for you right away.", "I can help with that. Could you share your order number?",
        "I have refunded the duplicate charge; it will show in 3 to 5 days.", "You can reset it from the sign-in page under Forgot password.",
        "Yes, we ship to Canada within 5 business days.", "Sorry about that! Updating to the latest version should fix the crash.",
    ];

    private void Run(Step step, DateTimeOffset at, List<TrafficEvent> events)
    {
        void Emit(LiveEvent e) => events.Add(new TrafficEvent(at, step.Tenant, e));
        if (step.Kind == StepKind.Arrival)
        {
            Arrive(step.Tenant, at, Emit);
            var rate = _sessionsPerMinute * Load(step.Tenant, at) / 60.0;
            Schedule(at.AddSeconds(-Math.Log(1 - _random.NextDouble()) / rate), step);
            return;
        }
        if (step.Kind == StepKind.Presence)
        {
            var online = Bots.Contains(step.Key) || Chance(0.7);
            Emit(new AgentStatusChanged
            {
                Id = NextId(step.Tenant, "e"), Timestamp = at, AgentId = step.Key!, Status = online ? AgentStatus.Online : AgentStatus.Offline,
                Name = Bots.Contains(step.Key) ? step.Key == "support-bot" ? "Support Bot" : "Sales Bot" : char.ToUpperInvariant(step.Key![0]) + step.Key[1..],
                Kind = Bots.Contains(step.Key) ? AgentKind.Ai : AgentKind.Human,
                Teams = Bots.Contains(step.Key) ? ["support"] : [Teams[Array.IndexOf(Humans, step.Key) % Teams.Length]],
            });
            Schedule(at.AddMinutes(Between(2, 9)), step);
            return;
        }
        if (!_conversations.TryGetValue((step.Tenant, step.Key!), out var c)) return;
        // A paused conversation's agent waits, and so does one's a person took over; the customer does not.
        if ((c.Paused || c.Held) && step.Kind is StepKind.AgentThink or StepKind.AgentDelta or StepKind.AgentReply or StepKind.HumanReply)
        {
            Schedule(at.AddSeconds(2), step with { Kind = step.Kind == StepKind.AgentDelta ? StepKind.AgentThink : step.Kind });
            return;
        }
        switch (step.Kind)
        {
            case StepKind.CustomerMessage: CustomerMessage(c, at, Emit); break;
            case StepKind.AgentThink:
                Emit(new AgentThinking { Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id });
                c.MessageId = NextId(c.Tenant, "m");
                c.ReplyWords = Guided(c, Pick(Replies)).Split(' ');
                c.DeltaIndex = 0;
                Schedule(at.AddSeconds(Between(0.4, 1.5)), new Step(c.Tenant, c.Id, StepKind.AgentDelta));
                break;
            case StepKind.AgentDelta:
                Emit(new MessageDelta
                {
                    Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id, MessageId = c.MessageId,
                    Delta = (c.DeltaIndex == 0 ? "" : " ") + c.ReplyWords[c.DeltaIndex], Index = c.DeltaIndex,
                });
                c.DeltaIndex++;
                Schedule(at.AddMilliseconds(Between(40, 160)), new Step(c.Tenant, c.Id, c.DeltaIndex < c.ReplyWords.Length ? StepKind.AgentDelta : StepKind.AgentReply));
                break;
            case StepKind.AgentReply: Reply(c, at, Emit, SenderKind.Ai, string.Join(' ', c.ReplyWords)); break;
            case StepKind.HumanReply:
                if (Chance(0.1))
                {
                    Emit(Sent(c, at, "Customer is a returning VIP, be extra careful.", SenderKind.Human, internalNote: true));
                }
                if (Chance(0.05))
                {
                    Emit(Sent(c, at, "Let me look into this.", SenderKind.Human, delivery: Delivery.Failed));
                }
                Reply(c, at.AddMilliseconds(500), Emit, SenderKind.Human, Pick(Replies));
                break;
            case StepKind.Broadcast:
                Emit(Sent(c, at, "Our winter sale starts today: 20% off everything!", SenderKind.System, broadcast: true));
                if (Chance(0.2)) Schedule(at.AddSeconds(Between(30, 300)), new Step(c.Tenant, c.Id, StepKind.CustomerMessage));
                else Schedule(at.AddMinutes(Between(2, 10)), new Step(c.Tenant, c.Id, StepKind.End));
                break;
            case StepKind.Close:
                Emit(new ConversationStatusChanged { Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id, Status = ConversationStatus.Closed });
                Schedule(at.AddSeconds(Between(1, 5)), new Step(c.Tenant, c.Id, StepKind.End));
                break;
            case StepKind.End:
                Emit(new SessionEnded { Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id, Reason = "resolved" });
                _conversations.Remove((c.Tenant, c.Id));
                break;
        }
    }

    private void Arrive(int tenant, DateTimeOffset at, Action<LiveEvent> emit)
    {
        var roll = _random.NextDouble();
        var kind = roll < 0.6 ? ConversationKind.Ai : roll < 0.9 ? ConversationKind.Human : ConversationKind.Broadcast;
        var c = new Conversation(tenant, NextId(tenant, "s"), kind, kind == ConversationKind.Ai ? Pick(Bots) : Pick(Humans), Pick(Channels))
        {
            TurnsLeft = 1 + _random.Next(4),
        };
        if (kind == ConversationKind.Human && Chance(0.7)) c.Owner = c.Agent;
        _conversations[(tenant, c.Id)] = c;
        var priority = Chance(0.03) ? Priority.Urgent : Chance(0.1) ? Priority.High : Chance(0.1) ? Priority.Low : Priority.Normal;
        emit(new SessionStarted
        {
            Id = NextId(tenant, "e"), Timestamp = at, SessionId = c.Id, Channel = c.Channel, AgentId = c.Agent,
            User = new UserRef(NextId(tenant, "u"), Chance(0.7) ? $"Customer {_ids}" : null), Priority = priority,
            TeamId = Chance(0.6) ? Pick(Teams) : null, OwnerId = c.Owner,
            Metadata = new Dictionary<string, string> { ["source"] = "simulator" },
        });
        Schedule(at.AddSeconds(Between(0.2, 3)), new Step(tenant, c.Id, kind == ConversationKind.Broadcast ? StepKind.Broadcast : StepKind.CustomerMessage));
    }

    private void CustomerMessage(Conversation c, DateTimeOffset at, Action<LiveEvent> emit)
    {
        var id = NextId(c.Tenant, "m");
        MessageContent message = c.Channel is "phone" or "sip"
            ? new MessageContent(id, MessageFormat.Voice, Pick(Questions), null, "customer", Math.Round(Between(0.7, 0.99), 2))
            : Chance(0.1)
                ? new MessageContent(id, MessageFormat.Media, Chance(0.5) ? "Here is a photo" : null,
                    [new Attachment(Chance(0.5) ? AttachmentType.Image : AttachmentType.Document, $"https://files.example.test/{id}", $"{id}.bin", null, _random.Next(1_000, 900_000))], null, null)
                : new MessageContent(id, MessageFormat.Text, Pick(Questions), null, null, null);
        emit(new MessageReceived { Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id, Message = message });
        if (Chance(0.05)) emit(new PriorityChanged { Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id, Priority = Priority.Urgent });
        if (c.Kind == ConversationKind.Broadcast) c.Kind = ConversationKind.Human;
        Schedule(c.Kind == ConversationKind.Ai ? at.AddSeconds(Between(0.3, 1.5)) : at.AddSeconds(Between(5, 90)),
            new Step(c.Tenant, c.Id, c.Kind == ConversationKind.Ai ? StepKind.AgentThink : StepKind.HumanReply));
    }

    private void Reply(Conversation c, DateTimeOffset at, Action<LiveEvent> emit, SenderKind kind, string text)
    {
        if (c.Override is { } replacement)
        {
            emit(Sent(c, at, replacement.Content, kind) with { OverrideOf = replacement.InterventionId });
            c.Override = null;
        }
        else
        {
            // Guidance that came while the reply was streaming still shapes the reply that is sent.
            emit(Sent(c, at, kind == SenderKind.Ai ? Guided(c, text) : text, kind, messageId: kind == SenderKind.Ai ? c.MessageId : null));
        }
        if (kind == SenderKind.Ai && Chance(0.05))
        {
            emit(new ErrorOccurred { Id = NextId(c.Tenant, "e"), Timestamp = at.AddMilliseconds(200), SessionId = c.Id, Error = new ErrorInfo("tool_timeout", "The order service did not answer in time") });
        }
        if (kind == SenderKind.Ai && Chance(0.1))
        {
            // Escalation to a person of a team.
            c.Kind = ConversationKind.Human;
            c.Owner = Pick(Humans);
            emit(new ConversationAssigned { Id = NextId(c.Tenant, "e"), Timestamp = at.AddSeconds(1), SessionId = c.Id, OwnerId = c.Owner, ChangesTeam = true, TeamId = Pick(Teams) });
        }
        c.TurnsLeft--;
        if (c.TurnsLeft > 0 && Chance(0.7)) Schedule(at.AddSeconds(Between(5, 40)), new Step(c.Tenant, c.Id, StepKind.CustomerMessage));
        else Schedule(at.AddSeconds(Between(10, 60)), new Step(c.Tenant, c.Id, StepKind.Close));
    }

    /// <summary>
    /// The AI's reply taking the supervisor's pending guidance into account, visibly (the demo shows it working). It
    /// says that it follows guidance, never what the note says: the reply goes to the customer, the note is private.
    /// </summary>
    private static string Guided(Conversation c, string reply)
    {
        if (c.Guidance is null) return reply;
        c.Guidance = null;
        return $"{GuidedPrefix}{reply}";
    }

    /// <summary>How a reply that follows a supervisor's guidance begins.</summary>
    private const string GuidedPrefix = "(Following the supervisor's guidance.) ";

    private MessageSent Sent(Conversation c, DateTimeOffset at, string text, SenderKind kind, bool broadcast = false, bool internalNote = false,
        Delivery delivery = Delivery.Sent, string? messageId = null) => new()
    {
        Id = NextId(c.Tenant, "e"), Timestamp = at, SessionId = c.Id,
        Message = new MessageContent(messageId ?? NextId(c.Tenant, "m"), MessageFormat.Text, text, null, null, null),
        Sender = new Sender(kind, kind == SenderKind.System ? null : kind == SenderKind.Human ? c.Owner ?? c.Agent : c.Agent),
        Broadcast = broadcast, InternalNote = internalNote, Delivery = delivery,
    };

    /// <summary>Obeys a control command for one of its sessions, as the runtime of its agents would.</summary>
    public void Control(int tenant, string type, string sessionId, string interventionId, string? content, string? targetAgent)
    {
        if (!_conversations.TryGetValue((tenant, sessionId), out var c)) return;
        switch (type)
        {
            case "pause": c.Paused = true; break;
            case "resume": c.Paused = false; break;
            case "override" when content is not null: c.Override = (interventionId, content); break;
            case "guide" when !string.IsNullOrWhiteSpace(content): c.Guidance = content.Trim(); break;
            case "takeover": c.Held = true; break;
            case "handback":
                c.Held = false;
                // A handback's note is guidance for the agent's next reply.
                if (!string.IsNullOrWhiteSpace(content)) c.Guidance = content.Trim();
                break;
            case "transfer":
                if (targetAgent is not null) c.Agent = targetAgent;
                c.Kind = ConversationKind.Human;
                break;
        }
    }
}

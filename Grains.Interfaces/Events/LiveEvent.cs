using System.Text.Json.Serialization;

namespace LiveOrleans.Events;

/// <summary>
/// A conversation lifecycle event sent by a producer (docs/contract.md, Ingest). Events are validated at the edge
/// (<see cref="Validation.EventValidator"/>), written to the durable log in this shape and applied to grains.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SessionStarted), "session_started")]
[JsonDerivedType(typeof(MessageReceived), "message_received")]
[JsonDerivedType(typeof(MessageSent), "message_sent")]
[JsonDerivedType(typeof(AgentThinking), "agent_thinking")]
[JsonDerivedType(typeof(MessageDelta), "message_delta")]
[JsonDerivedType(typeof(SessionEnded), "session_ended")]
[JsonDerivedType(typeof(ErrorOccurred), "error_occurred")]
[JsonDerivedType(typeof(ConversationAssigned), "conversation_assigned")]
[JsonDerivedType(typeof(ConversationStatusChanged), "conversation_status_changed")]
[JsonDerivedType(typeof(PriorityChanged), "priority_changed")]
[JsonDerivedType(typeof(AgentStatusChanged), "agent_status_changed")]
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public abstract record LiveEvent
{
    /// <summary>Producer-chosen id, unique per tenant; a repeated id is a duplicate.</summary>
    public required string Id { get; init; }

    /// <summary>When it happened at the producer; decides the day and hour an event belongs to.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The session the event belongs to (absent only for <see cref="AgentStatusChanged"/>).</summary>
    public string? SessionId { get; init; }
}

/// <summary>A customer (user) of a session.</summary>
[GenerateSerializer, Immutable]
public sealed record UserRef(string Id, string? Name);

/// <summary>A message attachment.</summary>
[GenerateSerializer, Immutable]
public sealed record Attachment(AttachmentType Type, string Url, string? Name, string? MimeType, long? SizeBytes);

/// <summary>A message's content; <c>Text</c> is markdown for text, the transcript for voice.</summary>
[GenerateSerializer, Immutable]
public sealed record MessageContent(
    string Id,
    MessageFormat Format,
    string? Text,
    IReadOnlyList<Attachment>? Attachments,
    string? Speaker,
    double? Confidence);

/// <summary>Who sent an outgoing message.</summary>
[GenerateSerializer, Immutable]
public sealed record Sender(SenderKind Kind, string? Id);

/// <summary>An error reported by the runtime of an agent.</summary>
[GenerateSerializer, Immutable]
public sealed record ErrorInfo(string Code, string Message);

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record SessionStarted : LiveEvent
{
    public required string Channel { get; init; }
    public required string AgentId { get; init; }
    public required UserRef User { get; init; }
    public Priority? Priority { get; init; }
    public string? TeamId { get; init; }
    public string? OwnerId { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record MessageReceived : LiveEvent
{
    public required MessageContent Message { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record MessageSent : LiveEvent
{
    public required MessageContent Message { get; init; }
    public required Sender Sender { get; init; }
    public bool Broadcast { get; init; }
    public bool InternalNote { get; init; }
    public Delivery Delivery { get; init; } = Delivery.Sent;
    public string? OverrideOf { get; init; }

    /// <summary>Successfully sent, not an internal note, not a broadcast (docs/semantics.md, Messages).</summary>
    [JsonIgnore]
    public bool IsBusinessReply => Delivery == Delivery.Sent && !InternalNote && !Broadcast;
}

[GenerateSerializer, Immutable]
public sealed record AgentThinking : LiveEvent;

/// <summary>A token delta of a reply being generated: shown live, never stored.</summary>
[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record MessageDelta : LiveEvent
{
    public required string MessageId { get; init; }
    public required string Delta { get; init; }
    public required int Index { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record SessionEnded : LiveEvent
{
    public string? Reason { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record ErrorOccurred : LiveEvent
{
    public required ErrorInfo Error { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record ConversationAssigned : LiveEvent
{
    /// <summary>The new contact owner; null removes the owner.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Whether the event names a team at all; when false the team is left as it is.</summary>
    public bool ChangesTeam { get; init; }

    /// <summary>The new team when <see cref="ChangesTeam"/>; null removes the team.</summary>
    public string? TeamId { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record ConversationStatusChanged : LiveEvent
{
    public required ConversationStatus Status { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record PriorityChanged : LiveEvent
{
    public required Priority Priority { get; init; }
}

[GenerateSerializer(GenerateFieldIds = GenerateFieldIds.PublicProperties), Immutable]
public sealed record AgentStatusChanged : LiveEvent
{
    public required string AgentId { get; init; }
    public required AgentStatus Status { get; init; }
    public string? Name { get; init; }
    public AgentKind? Kind { get; init; }
    public IReadOnlyList<string>? Teams { get; init; }
}

using LiveOrleans.Events;

namespace LiveOrleans.Grains;

/// <summary>A message as a session keeps it.</summary>
public sealed record StoredMessage(
    string Id,
    bool Incoming,
    DateTimeOffset At,
    MessageFormat Format,
    string? Text,
    IReadOnlyList<Attachment>? Attachments,
    string? Speaker,
    double? Confidence,
    Sender? Sender,
    bool Broadcast,
    bool InternalNote,
    Delivery? Delivery);

/// <summary>A customer-message-to-reply time, kept for the metrics bar's rolling window.</summary>
public sealed record ReplySample(DateTimeOffset At, double Milliseconds);

/// <summary>Everything a session grain keeps durably.</summary>
public sealed class SessionState
{
    public bool Started { get; set; }
    public string? Channel { get; set; }
    public string? AgentId { get; set; }
    public string? UserId { get; set; }
    public string? UserName { get; set; }
    public Priority Priority { get; set; } = Priority.Normal;
    public string? TeamId { get; set; }
    public string? OwnerId { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public ConversationStatus Status { get; set; } = ConversationStatus.Open;

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? EndReason { get; set; }
    public LiveState State { get; set; } = LiveState.Active;
    public StreamState Stream { get; set; } = StreamState.Idle;
    public ErrorInfo? LastError { get; set; }

    public List<StoredMessage> Messages { get; set; } = [];
    public int DroppedMessages { get; set; }
    public string Preview { get; set; } = "";
    public DateTimeOffset? PreviewAt { get; set; }

    public bool HasIncoming { get; set; }
    public bool HasBusinessReply { get; set; }
    public bool HasNonBroadcastMessage { get; set; }
    public bool HasBroadcast { get; set; }
    public DateTimeOffset? FirstMessageAt { get; set; }
    public bool FirstMessageIncoming { get; set; }

    /// <summary>Local days (<c>yyyy-MM-dd</c>, newest last) with an incoming or successfully sent message; the last three.</summary>
    public List<string> ActiveDays { get; set; } = [];

    /// <summary>The oldest customer message not yet answered by a business reply.</summary>
    public DateTimeOffset? UnansweredSince { get; set; }
    public List<ReplySample> Replies { get; set; } = [];
    public List<Queries.InterventionView> Audit { get; set; } = [];
    public string? HandoffQueue { get; set; }
}

namespace LiveOrleans.Grains.Tests.Infrastructure;

/// <summary>Typed producer events as the edge's validator leaves them (UTC, whole milliseconds).</summary>
public static class Ev
{
    private static int _next;

    public static string NewId() => $"ev-{Interlocked.Increment(ref _next)}";

    public static DateTimeOffset Exact(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    /// <summary>
    /// Half an hour ago, but never before today's UTC midnight: tests on the real clock read today's figures, so their
    /// events must fall on today even when the suite runs just after midnight.
    /// </summary>
    public static DateTimeOffset RecentToday()
    {
        var now = DateTimeOffset.UtcNow;
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return Exact(now.AddMinutes(-30) > midnight ? now.AddMinutes(-30) : midnight);
    }

    public static SessionStarted Started(string session, DateTimeOffset at, string channel = "web", string agent = "bot", string? team = null, string? owner = null,
        Priority? priority = null) => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, Channel = channel, AgentId = agent, User = new UserRef($"u-{session}", $"User {session}"),
        TeamId = team, OwnerId = owner, Priority = priority,
    };

    public static MessageReceived Received(string session, DateTimeOffset at, string text = "Hello") => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, Message = new MessageContent(NewId(), MessageFormat.Text, text, null, null, null),
    };

    public static MessageSent Sent(string session, DateTimeOffset at, string text = "How can I help?", SenderKind kind = SenderKind.Ai, string? sender = null,
        bool broadcast = false, bool internalNote = false, Delivery delivery = Delivery.Sent) => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, Message = new MessageContent(NewId(), MessageFormat.Text, text, null, null, null),
        Sender = new Sender(kind, sender), Broadcast = broadcast, InternalNote = internalNote, Delivery = delivery,
    };

    public static AgentThinking Thinking(string session, DateTimeOffset at) => new() { Id = NewId(), Timestamp = Exact(at), SessionId = session };

    public static MessageDelta Delta(string session, DateTimeOffset at, string messageId, string delta, int index) => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, MessageId = messageId, Delta = delta, Index = index,
    };

    public static ErrorOccurred Error(string session, DateTimeOffset at) => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, Error = new ErrorInfo("llm_timeout", "The model timed out"),
    };

    public static SessionEnded Ended(string session, DateTimeOffset at) => new() { Id = NewId(), Timestamp = Exact(at), SessionId = session, Reason = "done" };

    public static ConversationAssigned Assigned(string session, DateTimeOffset at, string? owner) => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, OwnerId = owner,
    };

    public static ConversationStatusChanged Closed(string session, DateTimeOffset at) => new()
    {
        Id = NewId(), Timestamp = Exact(at), SessionId = session, Status = ConversationStatus.Closed,
    };

    public static InterventionCommand Intervention(InterventionType type, DateTimeOffset at, string? content = null) => new()
    {
        InterventionId = "int_" + NewId().Replace("-", "x"), Timestamp = Exact(at), AdminId = "usr_test", Type = type, Reason = "test", Content = content,
    };
}

using LiveOrleans.Events;

namespace LiveOrleans.Client;

/// <summary>
/// An AI agent's reply as the engine shows it live: <see cref="ThinkingAsync"/> (<c>agent_thinking</c>), then the
/// tokens as they come (<see cref="TokenAsync"/>, <c>message_delta</c> with increasing indexes), then
/// <see cref="CompleteAsync"/> (<c>message_sent</c> with the whole text). Event ids derive from the message id, so a
/// retried step is a duplicate, never a second token.
/// </summary>
public sealed class ReplyStream(LiveOrleansRuntime runtime, string sessionId, string messageId, Func<DateTimeOffset>? clock = null)
{
    private readonly Func<DateTimeOffset> _now = clock ?? (() => DateTimeOffset.UtcNow);
    private int _index;

    /// <summary>The session the reply belongs to.</summary>
    public string SessionId { get; } = sessionId;

    /// <summary>The id of the message the reply becomes.</summary>
    public string MessageId { get; } = messageId;

    /// <summary>The agent is preparing its reply (the session shows <c>thinking</c>).</summary>
    public Task<SendResult> ThinkingAsync(CancellationToken cancellationToken = default)
        => runtime.PublishAsync([new AgentThinking { Id = $"{MessageId}:thinking", Timestamp = _now(), SessionId = SessionId }], cancellationToken);

    /// <summary>The next token of the reply (the session shows <c>streaming</c>, watchers see the text grow).</summary>
    public Task<SendResult> TokenAsync(string delta, CancellationToken cancellationToken = default)
    {
        var index = _index++;
        return runtime.PublishAsync([new MessageDelta { Id = $"{MessageId}:delta:{index}", Timestamp = _now(), SessionId = SessionId, MessageId = MessageId, Delta = delta, Index = index }], cancellationToken);
    }

    /// <summary>The reply is complete: its whole text, stored in the transcript.</summary>
    public Task<SendResult> CompleteAsync(string text, CancellationToken cancellationToken = default)
        => runtime.PublishAsync([new MessageSent
        {
            Id = $"{MessageId}:sent", Timestamp = _now(), SessionId = SessionId,
            Message = new MessageContent(MessageId, MessageFormat.Text, text, null, null, null),
            Sender = new Sender(SenderKind.Ai, null),
        }], cancellationToken);
}

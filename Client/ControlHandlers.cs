using System.Text.Json;

namespace LiveOrleans.Client;

/// <summary>
/// Typed callbacks for control commands, one per kind; give <see cref="Handle"/> to a <see cref="LiveOrleansRuntime"/>.
/// A kind without a callback is acknowledged and otherwise ignored; a command of a kind this SDK does not know
/// goes to <see cref="Other"/> (or is ignored).
/// </summary>
public sealed class ControlHandlers
{
    /// <summary>Stop the session's agent (its events are refused until resume): session id.</summary>
    public Func<string, CancellationToken, Task>? Pause { get; init; }

    /// <summary>The agent may go on: session id.</summary>
    public Func<string, CancellationToken, Task>? Resume { get; init; }

    /// <summary>Show a system message in the conversation: session id, text.</summary>
    public Func<string, string, CancellationToken, Task>? SystemMessage { get; init; }

    /// <summary>Replace the agent's reply with the supervisor's: session id, text.</summary>
    public Func<string, string, CancellationToken, Task>? Override { get; init; }

    /// <summary>Hand the conversation over: session id, the agent to take it (or null), the queue (or null).</summary>
    public Func<string, string?, string?, CancellationToken, Task>? Transfer { get; init; }

    /// <summary>The contact owner or team changed: session id, owner id (or null), team id (or null).</summary>
    public Func<string, string?, string?, CancellationToken, Task>? Reassign { get; init; }

    /// <summary>
    /// A supervisor's guidance, for the agent's next turn and never for the customer: session id, the note. Feed it to
    /// the agent (e.g. into the model's context) and do not send it as a message.
    /// </summary>
    public Func<string, string, CancellationToken, Task>? Guide { get; init; }

    /// <summary>
    /// A person took the conversation over: session id, their user id, their name (or null). Stop the AI agent for the
    /// session (its replies are refused from now on) and route the person's replies with sender <c>human</c> and that id.
    /// </summary>
    public Func<string, string, string?, CancellationToken, Task>? Takeover { get; init; }

    /// <summary>
    /// The conversation is the AI agent's again: session id, the person's note for the agent's next turn (or null), to
    /// be used like a guidance and never sent to the customer.
    /// </summary>
    public Func<string, string?, CancellationToken, Task>? Handback { get; init; }

    /// <summary>Any other kind of command.</summary>
    public Func<ControlCommand, CancellationToken, Task>? Other { get; init; }

    /// <summary>Calls the callback of the command's kind.</summary>
    public Task Handle(ControlCommand command, CancellationToken cancellationToken)
    {
        string? Target(string name) => command.Target is { ValueKind: JsonValueKind.Object } t && t.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return command.Type switch
        {
            "pause" => Pause?.Invoke(command.SessionId, cancellationToken),
            "resume" => Resume?.Invoke(command.SessionId, cancellationToken),
            "system_message" => SystemMessage?.Invoke(command.SessionId, command.Content ?? "", cancellationToken),
            "override" => Override?.Invoke(command.SessionId, command.Content ?? "", cancellationToken),
            "transfer" => Transfer?.Invoke(command.SessionId, Target("agentId"), Target("queue"), cancellationToken),
            "guide" => Guide?.Invoke(command.SessionId, command.Content ?? "", cancellationToken),
            "reassign" => Reassign?.Invoke(command.SessionId, Target("ownerId"), Target("teamId"), cancellationToken),
            "takeover" => Takeover?.Invoke(command.SessionId, Target("userId") ?? "", Target("name"), cancellationToken),
            "handback" => Handback?.Invoke(command.SessionId, string.IsNullOrEmpty(command.Content) ? null : command.Content, cancellationToken),
            _ => Other?.Invoke(command, cancellationToken),
        } ?? Task.CompletedTask;
    }
}

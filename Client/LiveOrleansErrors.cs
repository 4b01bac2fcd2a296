namespace LiveOrleans.Client;

/// <summary>An answer of the engine that retrying cannot change.</summary>
public class LiveOrleansException(string message, int status) : Exception(message)
{
    /// <summary>The HTTP status of the answer (0 when there was none).</summary>
    public int Status { get; } = status;
}

/// <summary>
/// The engine refused a batch as invalid (400): nothing of it was stored. <see cref="Errors"/> names each bad field,
/// e.g. <c>events[3].timestamp</c>; the index is the event's position in the list given to <see cref="LiveOrleansProducer.SendAsync(IReadOnlyList{LiveOrleans.Events.LiveEvent}, CancellationToken)"/>.
/// </summary>
public sealed class LiveOrleansValidationException(string message, IReadOnlyDictionary<string, string[]> errors) : LiveOrleansException(message, 400)
{
    /// <summary>Each bad field (<c>events[3].timestamp</c>) with what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>
/// A session is paused by a supervisor (409): its agent's events were refused; the other sessions' events of the same
/// call were stored (<see cref="Accepted"/>, <see cref="Duplicates"/>). Stop the agent until <c>resume</c> arrives.
/// </summary>
public class SessionPausedException(string message, int accepted, int duplicates) : LiveOrleansException(message, 409)
{
    /// <summary>Events of other sessions stored and applied by the same call.</summary>
    public int Accepted { get; } = accepted;

    /// <summary>Events of other sessions the tenant had sent before.</summary>
    public int Duplicates { get; } = duplicates;
}

/// <summary>
/// A person took the session over (409, <c>refusal: taken_over</c>): the AI agent's replies and token deltas were refused;
/// only the holder's own replies (sender <c>human</c> with their user id) go through until <c>handback</c> arrives.
/// A <see cref="SessionPausedException"/>, so code that stops a paused agent stops this one too.
/// </summary>
public sealed class SessionTakenOverException(string message, int accepted, int duplicates) : SessionPausedException(message, accepted, duplicates);

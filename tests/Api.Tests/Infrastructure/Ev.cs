namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>Builders of producer events as JSON objects, exactly as a producer would send them.</summary>
public static class Ev
{
    private static int _next;

    public static string NewId() => $"ev-{Interlocked.Increment(ref _next)}";

    public static string Ts(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static Dictionary<string, object?> Started(string session, DateTimeOffset at, string channel = "web", string agent = "bot",
        string user = "u1", string? userName = null, string? priority = null, string? team = null, string? owner = null, string? id = null)
    {
        var e = Base("session_started", session, at, id);
        e["channel"] = channel;
        e["agentId"] = agent;
        e["user"] = new { id = user, name = userName };
        if (priority is not null) e["priority"] = priority;
        if (team is not null) e["teamId"] = team;
        if (owner is not null) e["ownerId"] = owner;
        return e;
    }

    public static Dictionary<string, object?> Received(string session, DateTimeOffset at, string text = "Hello", string? id = null)
    {
        var e = Base("message_received", session, at, id);
        e["message"] = new { id = NewId(), format = "text", text };
        return e;
    }

    public static Dictionary<string, object?> Sent(string session, DateTimeOffset at, string text = "Hi, how can I help?", string kind = "ai",
        string? sender = null, bool broadcast = false, bool internalNote = false, string delivery = "sent", string? id = null)
    {
        var e = Base("message_sent", session, at, id);
        e["message"] = new { id = NewId(), format = "text", text };
        e["sender"] = new { kind, id = sender };
        e["broadcast"] = broadcast;
        e["internalNote"] = internalNote;
        e["delivery"] = delivery;
        return e;
    }

    public static Dictionary<string, object?> Thinking(string session, DateTimeOffset at) => Base("agent_thinking", session, at, null);

    public static Dictionary<string, object?> Delta(string session, DateTimeOffset at, string messageId, string delta, int index)
    {
        var e = Base("message_delta", session, at, null);
        e["messageId"] = messageId;
        e["delta"] = delta;
        e["index"] = index;
        return e;
    }

    public static Dictionary<string, object?> Ended(string session, DateTimeOffset at, string? reason = null)
    {
        var e = Base("session_ended", session, at, null);
        if (reason is not null) e["reason"] = reason;
        return e;
    }

    public static Dictionary<string, object?> Error(string session, DateTimeOffset at, string code = "llm_timeout", string message = "The model timed out")
    {
        var e = Base("error_occurred", session, at, null);
        e["error"] = new { code, message };
        return e;
    }

    public static Dictionary<string, object?> Assigned(string session, DateTimeOffset at, string? owner, string? team = null, bool withTeam = false)
    {
        var e = Base("conversation_assigned", session, at, null);
        e["ownerId"] = owner;
        if (withTeam || team is not null) e["teamId"] = team;
        return e;
    }

    public static Dictionary<string, object?> Status(string session, DateTimeOffset at, string status)
    {
        var e = Base("conversation_status_changed", session, at, null);
        e["status"] = status;
        return e;
    }

    public static Dictionary<string, object?> Priority(string session, DateTimeOffset at, string priority)
    {
        var e = Base("priority_changed", session, at, null);
        e["priority"] = priority;
        return e;
    }

    public static Dictionary<string, object?> AgentStatus(string agent, DateTimeOffset at, string status, string? name = null, string? kind = null, string[]? teams = null)
    {
        var e = new Dictionary<string, object?> { ["id"] = NewId(), ["type"] = "agent_status_changed", ["timestamp"] = Ts(at), ["agentId"] = agent, ["status"] = status };
        if (name is not null) e["name"] = name;
        if (kind is not null) e["kind"] = kind;
        if (teams is not null) e["teams"] = teams;
        return e;
    }

    private static Dictionary<string, object?> Base(string type, string session, DateTimeOffset at, string? id)
        => new() { ["id"] = id ?? NewId(), ["type"] = type, ["timestamp"] = Ts(at), ["sessionId"] = session };
}

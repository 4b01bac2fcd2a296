namespace LiveOrleans.Live;

/// <summary>
/// Grain keys. Every grain of a tenant is keyed <c>{tenant}/{id}</c> (the tenant grain: <c>{tenant}</c>). Tenant ids
/// are slugs without a slash, so the tenant part of a key is exact and a tenant can never address another's grain.
/// </summary>
public static class LiveKeys
{
    public static string Of(string tenant, string id) => $"{tenant}/{id}";

    /// <summary>Splits a grain key into its tenant and its id within the tenant.</summary>
    public static (string Tenant, string Id) Parse(string key)
    {
        var slash = key.IndexOf('/');
        return slash <= 0 ? (key, "") : (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>The log stream of a session's entries.</summary>
    public static string SessionStream(string sessionId) => "session/" + sessionId;

    /// <summary>The log stream of an agent's own events (<c>agent_status_changed</c>).</summary>
    public static string AgentStream(string agentId) => "agent/" + agentId;

    /// <summary>The session id of a log stream name, or null when the stream is not a session's.</summary>
    public static string? SessionOfStream(string stream) => stream.StartsWith("session/", StringComparison.Ordinal) ? stream["session/".Length..] : null;

    /// <summary>The agent id of a log stream name, or null when the stream is not an agent's.</summary>
    public static string? AgentOfStream(string stream) => stream.StartsWith("agent/", StringComparison.Ordinal) ? stream["agent/".Length..] : null;

    /// <summary>The live-index shard a session belongs to: FNV-1a of its id, stable across processes and versions.</summary>
    public static int ShardOf(string sessionId, int shards)
    {
        if (shards <= 1) return 0;
        uint hash = 2166136261;
        foreach (var c in sessionId)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)(hash % (uint)shards);
    }
}

/// <summary>Orleans streams of LiveOrleans (memory streams: the durable copy of everything is the log).</summary>
public static class LiveStreams
{
    /// <summary>The stream provider's name.</summary>
    public const string Provider = "live";

    /// <summary>Namespace of the per-tenant stream (key: the tenant id) that carries lifecycle events and the live view's changes.</summary>
    public const string Tenant = "tenant";

    /// <summary>Namespace of the per-session watch streams (key: <c>{tenant}/{session}</c>): messages, tokens, state, interventions.</summary>
    public const string Session = "session";

    /// <summary>The grain storage that holds stream subscriptions.</summary>
    public const string PubSubStore = "PubSubStore";
}

/// <summary>The clock grains and the Api read: a keyed <see cref="TimeProvider"/>, so tests can move it without moving Orleans' own timers.</summary>
public static class LiveTime
{
    public const string Key = "LiveOrleans.Clock";

    /// <summary>The later of two times, either of which may be unknown: how an agent's or a session's times merge, only moving forward.</summary>
    public static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

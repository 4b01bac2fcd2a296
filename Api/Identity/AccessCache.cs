using System.Collections.Concurrent;
using LiveOrleans.Live;

namespace LiveOrleans.Api.Identity;

/// <summary>
/// What this Api node read of API keys and people, trusted for <see cref="Window"/> (<c>Auth:RevocationWindow</c>,
/// 2 s unless configured): a revoked key, a removed person or a changed role applies on every node within that
/// window, while a busy producer or dashboard costs the store one read per window, not one per request. The node that
/// makes a change forgets its own copy at once.
/// </summary>
/// <remarks>
/// Freshness is measured on the machine's monotonic clock, not on the engine's (injectable) business clock: it is a
/// delay between nodes, and a test that holds the business clock still must not freeze it.
/// </remarks>
public sealed class AccessCache(IdentityStore identity, [FromKeyedServices(LiveTime.Key)] TimeProvider time, IConfiguration configuration)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(2);
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry<KeyOwner>> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry<UserRecord>> _users = new(StringComparer.Ordinal);

    /// <summary>How long an answer read from the store is trusted.</summary>
    public TimeSpan Window { get; } = ReadWindow(configuration);

    /// <summary>The key of a hash (<see cref="ApiKeys.Hash"/>), or null when the store has none.</summary>
    public KeyOwner? Key(string hash)
    {
        if (_keys.TryGetValue(hash, out var cached) && Fresh(cached.ReadAt)) return cached.Value;
        var read = Environment.TickCount64;
        var owner = identity.FindKey(hash, time.GetUtcNow());
        // Unknown keys are not kept: anyone can send those, and a key created a moment later must work at once.
        if (owner is null) _keys.TryRemove(hash, out _);
        else Keep(_keys, hash, new Entry<KeyOwner>(owner, read));
        return owner;
    }

    /// <summary>A person as the store has them now (role, agent id, name), or null when they were removed.</summary>
    public UserRecord? User(string id)
    {
        if (_users.TryGetValue(id, out var cached) && Fresh(cached.ReadAt)) return cached.Value;
        var read = Environment.TickCount64;
        var user = identity.FindUserById(id);
        // Only ids from signed tokens get here, so removed people are kept too (as null): a removed person's dashboard
        // polling does not reach the store on every request.
        Keep(_users, id, new Entry<UserRecord>(user, read));
        return user;
    }

    /// <summary>Drops this node's copy of a key, at once (the other nodes within <see cref="Window"/>).</summary>
    public void ForgetKey(string hash) => _keys.TryRemove(hash, out _);

    /// <summary>Drops this node's copy of a person, at once (the other nodes within <see cref="Window"/>).</summary>
    public void ForgetUser(string id) => _users.TryRemove(id, out _);

    private bool Fresh(long readAt) => Environment.TickCount64 - readAt < (long)Window.TotalMilliseconds;

    private void Keep<T>(ConcurrentDictionary<string, Entry<T>> cache, string key, Entry<T> entry) where T : class
    {
        cache[key] = entry;
        if (cache.Count <= PruneAbove) return;
        foreach (var (k, e) in cache)
        {
            if (!Fresh(e.ReadAt)) cache.TryRemove(new KeyValuePair<string, Entry<T>>(k, e));
        }
    }

    private static TimeSpan ReadWindow(IConfiguration configuration)
    {
        var window = configuration.GetValue("Auth:RevocationWindow", DefaultWindow);
        if (window <= TimeSpan.Zero || window > TimeSpan.FromMinutes(1))
            throw new InvalidOperationException($"Auth:RevocationWindow must be more than 0 and at most 00:01:00 (it is {window}).");
        return window;
    }

    private sealed record Entry<T>(T? Value, long ReadAt) where T : class;
}

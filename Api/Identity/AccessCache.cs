using System.Collections.Concurrent;
using LiveOrleans.Live;
using LiveOrleans.Storage;

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
public sealed class AccessCache(IIdentityStore identity, [FromKeyedServices(LiveTime.Key)] TimeProvider time, IConfiguration configuration)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(2);
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry<KeyOwner>> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry<UserRecord>> _users = new(StringComparer.Ordinal);

    /// <summary>How long an answer read from the store is trusted.</summary>
    public TimeSpan Window { get; } = ReadWindow(configuration);

    /// <summary>The key of a hash (<see cref="ApiKeys.Hash"/>), or null when the store has none.</summary>
    public ValueTask<KeyOwner?> KeyAsync(string hash)
        // Unknown keys are not kept: anyone can send those, and a key created a moment later must work at once.
        => ReadAsync(_keys, hash, () => identity.FindKeyAsync(hash, time.GetUtcNow()), keepMissing: false);

    /// <summary>A person as the store has them now (role, agent id, name), or null when they were removed.</summary>
    public ValueTask<UserRecord?> UserAsync(string id)
        // Only ids from signed tokens get here, so removed people are kept too (as null): a removed person's dashboard
        // polling does not reach the store on every request.
        => ReadAsync(_users, id, () => identity.FindUserByIdAsync(id), keepMissing: true);

    private ValueTask<T?> ReadAsync<T>(ConcurrentDictionary<string, Entry<T>> cache, string key, Func<Task<T?>> read, bool keepMissing) where T : class
    {
        var cached = cache.GetValueOrDefault(key);
        if (cached is not null && Fresh(cached.ReadAt)) return ValueTask.FromResult(cached.Value);
        // One request reads the store again; the others meanwhile keep the answer they had (for as long as that read takes),
        // so a busy key does not send every request in flight to the store at once when its window ends.
        if (cached is not null && !cached.ClaimRefresh()) return ValueTask.FromResult(cached.Value);
        return new ValueTask<T?>(RefreshAsync(cache, key, cached, read, keepMissing));
    }

    private async Task<T?> RefreshAsync<T>(ConcurrentDictionary<string, Entry<T>> cache, string key, Entry<T>? cached, Func<Task<T?>> read, bool keepMissing) where T : class
    {
        var readAt = Environment.TickCount64;
        T? value;
        try
        {
            value = await read();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or StoreUnavailableException && cached is not null)
        {
            // The store did not answer (a restart, a full pool): what the node last read stands until it does, so
            // signed-in people and producers are not refused for the store's blip (a revocation this node has not read
            // yet applies once the store answers again; none can be made while it does not).
            cached.ReleaseRefresh();
            return cached.Value;
        }
        catch
        {
            cached?.ReleaseRefresh();
            throw;
        }
        if (value is null && !keepMissing) cache.TryRemove(key, out _);
        else Keep(cache, key, new Entry<T>(value, readAt));
        return value;
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

    private sealed class Entry<T>(T? value, long readAt) where T : class
    {
        private int _refreshing;

        public T? Value { get; } = value;
        public long ReadAt { get; } = readAt;

        /// <summary>Whether this caller is the one to read the store again (the first after the window ended).</summary>
        public bool ClaimRefresh() => Interlocked.Exchange(ref _refreshing, 1) == 0;

        public void ReleaseRefresh() => Volatile.Write(ref _refreshing, 0);
    }
}

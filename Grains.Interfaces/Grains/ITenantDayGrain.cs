using LiveOrleans.Live;

namespace LiveOrleans.Grains;

/// <summary>
/// One local day of a tenant (key <c>{tenant}/{yyyy-MM-dd}</c>): the conversations active that day and the live
/// metrics summary and hourly chart over them, counted per (team, owner, channel) cell.
/// </summary>
public interface ITenantDayGrain : IGrainWithStringKey
{
    /// <summary>
    /// Publishes this grain's changes on the tenant stream for <paramref name="lease"/>: an Api host with dashboards of
    /// the tenant renews it. Answers the version of the last change published, so the host can tell a replica that
    /// fell behind (a lost stream item, a snapshot that failed during a failover) and take a fresh snapshot.
    /// </summary>
    Task<long> Listen(TimeSpan lease);

    /// <summary>Records what conversations active this day contribute now (the newest position per session wins).</summary>
    Task Apply(IReadOnlyList<SessionDayFacts> facts);

    [ReadOnly]
    Task<SummaryCounts> Summary(Queries.LiveFilter filter);

    [ReadOnly]
    Task<IReadOnlyList<int>> Hourly(Queries.LiveFilter filter);

    [ReadOnly]
    Task<DaySnapshot> GetSnapshot();
}

/// <summary>A session's facts for the day, at its log position.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionDayFacts(string SessionId, long Position, ConversationFacts Facts);

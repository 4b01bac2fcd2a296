using LiveOrleans.Queries;

namespace LiveOrleans.Live;

// Absolute facts: what a session contributes to the derived grains (tenant-day, live index, agents), sent whole
// whenever it changes, with the session's log position. Applying them is idempotent and order-free: the newest
// position wins.

/// <summary>What a conversation contributes to one day's figures.</summary>
/// <param name="InitiatedHour">Local hour of its first message when that message is incoming and on this day; otherwise -1.</param>
[GenerateSerializer, Immutable]
public sealed record ConversationFacts(
    string? TeamId,
    string? OwnerId,
    string? Channel,
    bool Waiting,
    ConversationStatus Status,
    int InitiatedHour);

/// <summary>A conversation's facts for one local day it is active on.</summary>
[GenerateSerializer, Immutable]
public sealed record DayFacts(string Day, ConversationFacts Facts);

/// <summary>A customer-message-to-reply time, for the metrics bar's rolling window.</summary>
[GenerateSerializer, Immutable]
public sealed record ReplySample(DateTimeOffset At, double Milliseconds);

/// <summary>
/// A session as the live index and the dashboards' replicas keep it. The card's agent name and colour are left
/// empty: they come from the agent directory when the card is read.
/// </summary>
/// <param name="Position">The session's last applied log position.</param>
/// <param name="Deltas">Token deltas that changed the card since that position: of two entries for a session, the one with the
/// higher (position, deltas) is the newer.</param>
/// <param name="SearchTexts">What keyword filters search: the session's most recent message texts, newest last, bounded in characters
/// (the strings are the messages' own, shared, never copied).</param>
/// <param name="WaitingSince">The oldest unanswered customer message while the conversation never had a business reply.</param>
/// <param name="Replies">Response times of replies inside the last two metrics windows.</param>
/// <param name="Interventions">Times of interventions inside the last two metrics windows.</param>
[GenerateSerializer, Immutable]
public sealed record SessionEntry(
    long Position,
    int Deltas,
    SessionCard Card,
    bool BroadcastOnly,
    IReadOnlyList<string> SearchTexts,
    DateTimeOffset? WaitingSince,
    IReadOnlyList<ReplySample> Replies,
    IReadOnlyList<DateTimeOffset> Interventions)
{
    public string SessionId => Card.SessionId;

    /// <summary>Whether any of the session's searched message texts contains <paramref name="keyword"/>, ignoring case.</summary>
    public bool Mentions(string keyword)
    {
        foreach (var text in SearchTexts)
        {
            if (text.Contains(keyword, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>Whether this entry may replace <paramref name="other"/> (it is as new or newer).</summary>
    public bool Supersedes(SessionEntry? other) => other is null || Position > other.Position || (Position == other.Position && Deltas >= other.Deltas);
}

/// <summary>What one session says about one agent: the newest presence signal, the newest business reply, a guess at its kind.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentSignal(string AgentId, AgentKind? KindHint, DateTimeOffset? PresenceAt, DateTimeOffset? MessageAt);

/// <summary>An agent as the agents panel shows it; presence is derived from the times when read.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentRecord(
    string Id,
    string Name,
    AgentKind Kind,
    IReadOnlyList<string> Teams,
    string Color,
    DateTimeOffset? LastSignalAt,
    DateTimeOffset? OfflineAt,
    DateTimeOffset? LastMessageAt)
{
    public AgentStatus StatusAt(DateTimeOffset now, TimeSpan presenceTimeout)
    {
        if (LastSignalAt is not { } signal) return AgentStatus.Offline;
        if (OfflineAt is { } offline && offline >= signal) return AgentStatus.Offline;
        return now - signal < presenceTimeout ? AgentStatus.Online : AgentStatus.Offline;
    }

    public AgentView View(DateTimeOffset now, TimeSpan presenceTimeout, int liveSessions)
        => new(Id, Name, Kind, StatusAt(now, presenceTimeout), Teams, LastMessageAt, liveSessions, Color);
}

/// <summary>A lifecycle event a session applied (<c>session_started</c>, <c>message_received</c>, …), as the tenant stream carries it.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionLifecycle(string Type, string SessionId, DateTimeOffset At);

/// <summary>
/// What changed in a session, for the derived grains: its index entry, its facts for each active day, its
/// signals about agents, new activity entries, alerts and the lifecycle events it applied.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionChanges(
    SessionEntry Entry,
    IReadOnlyList<DayFacts> Days,
    IReadOnlyList<AgentSignal> Agents,
    IReadOnlyList<ActivityEntry> Activity,
    IReadOnlyList<AlertView> Alerts,
    IReadOnlyList<SessionLifecycle> Lifecycle);

/// <summary>One cell of a day's figures: the counts of the conversations of one (team, owner, channel).</summary>
[GenerateSerializer, Immutable]
public sealed record DayCell(
    string? TeamId,
    string? OwnerId,
    string? Channel,
    int Active,
    int Waiting,
    int Open,
    int Closed,
    IReadOnlyList<int> Hours);

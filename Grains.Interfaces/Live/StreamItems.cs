using LiveOrleans.Queries;

namespace LiveOrleans.Live;

/// <summary>
/// What the tenant stream carries: the lifecycle events sessions applied and what they changed in the tenant's
/// live view. Items from one source (a live-index shard, a day, the directory) carry that source's version,
/// one more than the last, so a replica notices a lost item and takes a fresh snapshot of that source.
/// </summary>
[GenerateSerializer, Immutable]
public abstract record TenantStreamItem;

/// <summary>Sessions of one live-index shard changed (entries are whole: the newest position wins), entries left, activity was recorded.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionsChanged(
    int Shard,
    long Version,
    IReadOnlyList<SessionEntry> Entries,
    IReadOnlyList<string> Removed,
    IReadOnlyList<ActivityEntry> Activity,
    IReadOnlyList<SessionLifecycle> Lifecycle) : TenantStreamItem;

/// <summary>Cells of one day's figures changed (each cell whole; a cell with no conversation left has all counts 0).</summary>
[GenerateSerializer, Immutable]
public sealed record DayChanged(string Day, long Version, IReadOnlyList<DayCell> Cells) : TenantStreamItem;

/// <summary>The tenant's settings or agents changed (only the changed agents are listed).</summary>
[GenerateSerializer, Immutable]
public sealed record DirectoryChanged(long Version, TenantSettings Settings, IReadOnlyList<AgentRecord> Agents) : TenantStreamItem;

/// <summary>An alert rule fired.</summary>
[GenerateSerializer, Immutable]
public sealed record AlertRaised(AlertView Alert) : TenantStreamItem;

/// <summary>A control command for the producer that runs a session's agent.</summary>
[GenerateSerializer, Immutable]
public sealed record ControlIssued(ControlCommand Command) : TenantStreamItem;

/// <summary>
/// What a session's watch stream carries, for dashboards watching it; live only. Each item names the session's owner
/// when it was sent: the watch stream is ordered, the tenant stream that carries an owner change to the replicas is
/// not ordered with it, so whether a person restricted to their own conversations may still see an item is decided
/// by the item itself (an agent's pushes end with the item that reassigns the conversation, never one later).
/// </summary>
[GenerateSerializer, Immutable]
public abstract record WatchItem(string SessionId, string? OwnerId);

[GenerateSerializer, Immutable]
public sealed record MessageAdded(string SessionId, string? OwnerId, MessageView Message) : WatchItem(SessionId, OwnerId);

/// <summary>
/// The token deltas a session took in one batch, in order (delta <c>i</c> is <c>Deltas[i]</c> of
/// <c>MessageIds[i]</c> at <c>Indexes[i]</c>): one stream item for the batch, not one per delta, so a batch of
/// deltas costs the stream one small item; dashboards still get a <c>token</c> push per delta.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TokensArrived(string SessionId, string? OwnerId, string[] MessageIds, string[] Deltas, int[] Indexes) : WatchItem(SessionId, OwnerId);

[GenerateSerializer, Immutable]
public sealed record StateChanged(string SessionId, string? OwnerId, LiveState State) : WatchItem(SessionId, OwnerId);

[GenerateSerializer, Immutable]
public sealed record InterventionAdded(string SessionId, string? OwnerId, InterventionView Entry) : WatchItem(SessionId, OwnerId);

/// <summary>A page of a live-index shard for a replica's snapshot; <paramref name="Version"/> is the shard's version when the first page was read.</summary>
[GenerateSerializer, Immutable]
public sealed record IndexSnapshotPage(int Shard, long Version, IReadOnlyList<SessionEntry> Entries, IReadOnlyList<ActivityEntry> Activity, SessionListPosition? NextAfter);

/// <summary>A day's figures for a replica's snapshot.</summary>
[GenerateSerializer, Immutable]
public sealed record DaySnapshot(string Day, long Version, IReadOnlyList<DayCell> Cells);

/// <summary>The tenant's settings and agents for a replica's snapshot.</summary>
[GenerateSerializer, Immutable]
public sealed record DirectorySnapshot(long Version, TenantSettings Settings, IReadOnlyList<AgentRecord> Agents);

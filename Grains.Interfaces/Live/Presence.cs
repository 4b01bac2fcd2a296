namespace LiveOrleans.Live;

/// <summary>One dashboard connection watching a session, as an Api node reports it to the tenant's presence grain.</summary>
[GenerateSerializer, Immutable]
public sealed record PresenceWatch(
    string ConnectionId,
    string SessionId,
    string UserId,
    string Name,
    DateTimeOffset Since);

/// <summary>A person watching a session (their connections merged: watching since their first one began).</summary>
[GenerateSerializer, Immutable]
public sealed record SessionWatcher(
    string UserId,
    string Name,
    DateTimeOffset Since);

/// <summary>
/// The people watching one session changed (the list is whole; empty when nobody watches any more). <paramref name="Version"/>
/// grows with every change of the tenant's presence, so a host applies a session's list only when it is newer than its own.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PresenceChanged(
    string SessionId,
    long Version,
    IReadOnlyList<SessionWatcher> Watchers) : TenantStreamItem;

/// <summary>Everything the presence grain knows of its tenant: each watched session's people with the version of its last change.</summary>
[GenerateSerializer, Immutable]
public sealed record PresenceSnapshot(
    long Version,
    IReadOnlyList<PresenceChanged> Sessions);

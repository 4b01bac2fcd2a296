using LiveOrleans.Live;

namespace LiveOrleans.Grains.Sessions;

/// <summary>A message as a session keeps it.</summary>
[GenerateSerializer, Immutable]
public sealed record StoredMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] bool Incoming,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] MessageFormat Format,
    [property: Id(4)] string? Text,
    [property: Id(5)] IReadOnlyList<Attachment>? Attachments,
    [property: Id(6)] string? Speaker,
    [property: Id(7)] double? Confidence,
    [property: Id(8)] Sender? Sender,
    [property: Id(9)] bool Broadcast,
    [property: Id(10)] bool InternalNote,
    [property: Id(11)] Delivery? Delivery);

/// <summary>Everything a session grain keeps durably (its snapshot); the log has every event besides.</summary>
[GenerateSerializer]
public sealed class SessionState
{
    /// <summary>The last log position applied: entries at or below it are in this state.</summary>
    [Id(0)] public long AppliedPosition { get; set; }

    /// <summary>The tenant's time zone as last given with a call; the facts of each day are computed in it.</summary>
    [Id(1)] public string TimeZone { get; set; } = "UTC";

    [Id(2)] public bool Started { get; set; }
    [Id(3)] public string? Channel { get; set; }
    [Id(4)] public string? AgentId { get; set; }
    [Id(5)] public string? UserId { get; set; }
    [Id(6)] public string? UserName { get; set; }
    [Id(7)] public Priority Priority { get; set; } = Priority.Normal;
    [Id(8)] public string? TeamId { get; set; }
    [Id(9)] public string? OwnerId { get; set; }
    [Id(10)] public Dictionary<string, string>? Metadata { get; set; }
    [Id(11)] public ConversationStatus Status { get; set; } = ConversationStatus.Open;

    [Id(12)] public DateTimeOffset StartedAt { get; set; }
    [Id(13)] public DateTimeOffset LastActivityAt { get; set; }
    [Id(14)] public DateTimeOffset? EndedAt { get; set; }
    [Id(15)] public string? EndReason { get; set; }
    [Id(16)] public LiveState State { get; set; } = LiveState.Active;
    [Id(17)] public StreamState Stream { get; set; } = StreamState.Idle;
    [Id(18)] public ErrorInfo? LastError { get; set; }

    [Id(19)] public List<StoredMessage> Messages { get; set; } = [];
    [Id(20)] public int DroppedMessages { get; set; }
    [Id(21)] public string Preview { get; set; } = "";
    [Id(22)] public DateTimeOffset? PreviewAt { get; set; }

    [Id(23)] public bool HasIncoming { get; set; }
    [Id(24)] public bool HasBusinessReply { get; set; }
    [Id(25)] public bool HasNonBroadcastMessage { get; set; }
    [Id(26)] public bool HasBroadcast { get; set; }
    [Id(27)] public DateTimeOffset? FirstMessageAt { get; set; }
    [Id(28)] public bool FirstMessageIncoming { get; set; }

    /// <summary>
    /// Local days of snapshots written before <see cref="ActiveSlots"/> existed (<c>yyyy-MM-dd</c>, newest last); kept so
    /// such a session keeps its days. Nothing adds to it any more.
    /// </summary>
    [Id(29)] public List<string> ActiveDays { get; set; } = [];

    /// <summary>
    /// The quarter hours (UTC, counted from the Unix epoch) with an incoming or successfully sent message, ascending,
    /// within <see cref="SessionModel.ActiveSlotHorizon"/> of the newest. Independent of any time zone, so a replay that
    /// does not know the tenant's zone yet (a crash before the first snapshot) records the same thing as the live run,
    /// and the local days are computed in the zone given when the facts are asked for.
    /// </summary>
    [Id(38)] public List<long> ActiveSlots { get; set; } = [];

    /// <summary>The oldest customer message not yet answered by a business reply.</summary>
    [Id(30)] public DateTimeOffset? UnansweredSince { get; set; }
    [Id(31)] public List<ReplySample> Replies { get; set; } = [];
    [Id(32)] public List<InterventionView> Interventions { get; set; } = [];
    [Id(33)] public string? HandoffQueue { get; set; }

    /// <summary>What keyword filters search: the most recent message texts, newest last, at most <see cref="LiveOptions.SearchTextChars"/> characters in all.</summary>
    [Id(34)] public List<string> SearchTexts { get; set; } = [];

    /// <summary>Characters in <see cref="SearchTexts"/>.</summary>
    [Id(37)] public int SearchTextChars { get; set; }

    /// <summary>What this session says about each agent it involved (newest times).</summary>
    [Id(35)] public Dictionary<string, AgentSignal> AgentSignals { get; set; } = [];

    /// <summary>The session's latest activity entries, so a derived grain that lost some can get them back.</summary>
    [Id(36)] public List<ActivityEntry> RecentActivity { get; set; } = [];

    /// <summary>The person who took the conversation over, until a handback (or the end): the AI agent's replies are refused meanwhile.</summary>
    [Id(39)] public SessionHolder? HeldBy { get; set; }
}

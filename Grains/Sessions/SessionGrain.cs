using System.Text.Json;
using LiveOrleans.Grains.Storage;
using LiveOrleans.Live;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace LiveOrleans.Grains.Sessions;

/// <summary>
/// One conversation, event-sourced from its own stream of the durable log. It appends its events itself (so it is
/// the one sequencer of its session, whichever Api node they came through), applies them once appended, and on
/// activation loads its snapshot and replays the entries after it. Snapshots are written behind (every
/// <see cref="LiveOptions.SessionSnapshotEntries"/> entries, and on deactivation) with an ETag; the log is the
/// durable copy meanwhile.
/// </summary>
[TenantPlacement]
public sealed partial class SessionGrain(
    [PersistentState("session", LiveStorage.Name)] IPersistentState<SessionState> stored,
    IEventLog log,
    IOptions<LiveOptions> options,
    TimeProvider leaseClock,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain, IGrainMigrationParticipant
{
    private const string WatchedKey = "live.watched-until";

    private readonly LiveOptions _options = options.Value;
    private SessionModel _model = null!;
    private string _tenant = "";
    private string _stream = "";
    private bool _dirty;
    private int _sinceSnapshot;
    private DateTimeOffset _watchedUntil;
    private IAsyncStream<WatchItem>? _watch;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenant, sessionId) = LiveKeys.Parse(this.GetPrimaryKeyString());
        _tenant = tenant;
        _stream = LiveKeys.SessionStream(sessionId);
        _model = new SessionModel(tenant, sessionId, stored.State, _options);
        await CatchUpAsync(new SessionEffects());
    }

    /// <summary>
    /// Writes the snapshot when the grain is collected; not when the silo shuts down: the log holds every event and the
    /// next activation replays the tail after its snapshot, while a write per active session (hundreds of thousands after
    /// a burst) kept the stop past Orleans' deactivation time-out and the store's disposal.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty && reason.ReasonCode != DeactivationReasonCode.ShuttingDown) await WriteSnapshotAsync();
    }

    /// <summary>A migration carries the watchers' lease, so token deltas keep flowing from the new activation at once.</summary>
    public void OnDehydrate(IDehydrationContext dehydrationContext) => dehydrationContext.TryAddValue(WatchedKey, _watchedUntil);

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue<DateTimeOffset>(WatchedKey, out var until)) _watchedUntil = until;
    }

    public async Task<SessionIngestResult> Ingest(SessionBatch batch)
    {
        // Checked in the same turn as the events are stored: a takeover or pause either precedes them in the log or follows them.
        if (_model.RefusalOf(batch.Events) is { } refusal) return new SessionIngestResult(0, 0, refusal.Detail, null, refusal.Kind);
        if (!batch.MayStart && !_model.Exists)
        {
            DeactivateOnIdle();
            return new SessionIngestResult(0, 0, $"Session '{_model.SessionId}' was not started: the tenant has as many live sessions as it may.", null, RefusalKind.SessionCap);
        }
        _model.State.TimeZone = batch.TimeZone;

        var lastLogged = -1;
        var appends = new List<LogAppend>(batch.Events.Count);
        var logged = new List<LiveEvent>(batch.Events.Count);
        for (var i = 0; i < batch.Events.Count; i++)
        {
            if (batch.Events[i] is MessageDelta) continue;
            lastLogged = i;
            var payload = JsonSerializer.SerializeToUtf8Bytes(batch.Events[i], LiveJson.Options);
            appends.Add(new LogAppend(LogEntryKind.Event, batch.Events[i].Id, payload));
            // The event applied now must equal the one a replay decodes: timestamps are kept to the millisecond, in UTC.
            logged.Add(IsExact(batch.Events[i]) ? batch.Events[i] : Decode(LogEntryKind.Event, payload) as LiveEvent ?? batch.Events[i]);
        }

        var effects = new SessionEffects();
        var before = _model.LiveState;
        var duplicates = 0;
        if (appends.Count > 0)
        {
            var outcomes = await log.AppendAsync(_tenant, _stream, appends);
            duplicates = outcomes.Count(o => o.Duplicate);
            var stored = outcomes.Where(o => !o.Duplicate).Select(o => o.Position).ToHashSet();
            if (outcomes.Any(o => o.Duplicate && o.Position > _model.State.AppliedPosition && !stored.Contains(o.Position)))
            {
                // A retried event that was logged but never applied here (its first attempt died on the way): the log has it, in order.
                await CatchUpAsync(effects);
            }
            else
            {
                for (var i = 0; i < outcomes.Length; i++)
                {
                    if (!outcomes[i].Duplicate && outcomes[i].Position > _model.State.AppliedPosition) _model.Apply(logged[i], outcomes[i].Position, effects);
                }
            }
            _dirty |= effects.Changed;
            _sinceSnapshot += appends.Count - duplicates;
        }

        // Token deltas skip the log. A delta followed in the batch by a logged event of the session is superseded by it.
        List<MessageDelta>? tokens = null;
        for (var i = lastLogged + 1; i < batch.Events.Count; i++)
        {
            if (batch.Events[i] is MessageDelta d && _model.Delta(d, effects)) (tokens ??= []).Add(d);
        }

        await PublishToWatchersAsync(effects, before, tokens);
        if (_sinceSnapshot >= _options.SessionSnapshotEntries) await WriteSnapshotAsync();
        // A retried batch (duplicates) sends the session's facts again: its first attempt may have died before delivering them.
        var changes = effects.Changed || (duplicates > 0 && _model.Exists) ? _model.Changes(effects, batch.TimeZone, allAgents: duplicates > 0) : null;
        return new SessionIngestResult(batch.Events.Count - duplicates, duplicates, null, changes);
    }

    public async Task<SessionInterventionResult> Intervene(InterventionCommand command, string timeZone)
    {
        _model.State.TimeZone = timeZone;
        if (!_model.Exists)
        {
            DeactivateOnIdle();
            return new SessionInterventionResult(InterventionOutcome.Refused(InterventionRefusal.UnknownSession, $"Session '{_model.SessionId}' was not found."), null, null);
        }
        if (_model.State.Interventions.FirstOrDefault(i => i.InterventionId == command.InterventionId) is { } done)
            return new SessionInterventionResult(new InterventionOutcome(done, InterventionRefusal.None, null), null, null);
        if (_model.Refusal(command) is { } refusal)
            return new SessionInterventionResult(InterventionOutcome.Refused(InterventionRefusal.NotAllowed, refusal), null, null);
        if (_model.HolderRefusal(command) is { } notHolder)
            return new SessionInterventionResult(InterventionOutcome.Refused(InterventionRefusal.NotHolder, notHolder), null, null);

        command = command with { Original = command.Type == InterventionType.Override ? _model.StreamingText : null };
        var audit = new InterventionView(command.InterventionId, _model.SessionId, command.AdminId, command.Type, command.Reason, command.Timestamp,
            _tenant, command.Content, command.Target, command.Original);
        // Silent monitoring tells nobody, the producer included.
        var control = command.Type is InterventionType.CobrowseStart or InterventionType.CobrowseStop
            ? null
            : new ControlCommand(0, command.InterventionId, _model.SessionId, _model.State.AgentId, command.Type, command.Content, command.Target,
                command.Type == InterventionType.Takeover ? new SessionHolder(command.AdminId, command.HolderName, command.Timestamp) : null);
        var payload = JsonSerializer.SerializeToUtf8Bytes(command, LiveJson.Options);
        var appended = await log.AppendInterventionAsync(_tenant, _stream, new LogAppend(LogEntryKind.Intervention, command.InterventionId, payload), audit, control);

        var effects = new SessionEffects();
        var before = _model.LiveState;
        if (appended.Duplicate)
        {
            await CatchUpAsync(effects);
        }
        else
        {
            _model.Apply(command, appended.Position, effects);
        }
        _dirty = true;
        await PublishToWatchersAsync(effects, before, null);
        var entry = _model.State.Interventions.First(i => i.InterventionId == command.InterventionId);
        return new SessionInterventionResult(new InterventionOutcome(entry, InterventionRefusal.None, null), _model.Changes(effects, timeZone),
            control is null || appended.Duplicate ? null : control with { Sequence = appended.ControlSequence });
    }

    public Task<SessionDetail?> GetDetail(int limit, int from, int interventionLimit, int? interventionsBefore)
    {
        if (!_model.Exists)
        {
            DeactivateOnIdle();
            return Task.FromResult<SessionDetail?>(null);
        }
        return Task.FromResult<SessionDetail?>(_model.Detail(limit, from, interventionLimit, interventionsBefore));
    }

    public Task<SessionChanges?> GetFacts(string? timeZone)
    {
        if (!_model.Exists)
        {
            DeactivateOnIdle();
            return Task.FromResult<SessionChanges?>(null);
        }
        return Task.FromResult<SessionChanges?>(_model.Changes(null, timeZone ?? _model.State.TimeZone));
    }

    /// <summary>
    /// Publishes to watchers for <paramref name="lease"/> on the process's clock (Orleans' own, not the engine's
    /// <see cref="LiveTime"/> clock): the Api hosts renew it on their timers, and it holds off deactivation.
    /// </summary>
    public Task Watch(TimeSpan lease)
    {
        _watchedUntil = leaseClock.GetUtcNow() + lease;
        DelayDeactivation(lease);
        return Task.CompletedTask;
    }

    /// <summary>Applies the entries of the session's stream after the applied position: at activation, and when a retry shows the log is ahead.</summary>
    private async Task CatchUpAsync(SessionEffects effects)
    {
        var records = await log.ReadAsync(_tenant, _stream, _model.State.AppliedPosition);
        foreach (var record in records)
        {
            switch (Decode(record.Kind, record.Payload))
            {
                case LiveEvent e: _model.Apply(e, record.Position, effects); break;
                case InterventionCommand c: _model.Apply(c, record.Position, effects); break;
            }
        }
        if (records.Count > 0)
        {
            _dirty = true;
            _sinceSnapshot += records.Count;
        }
    }

    private static object? Decode(LogEntryKind kind, byte[] payload) => kind switch
    {
        LogEntryKind.Event => JsonSerializer.Deserialize<LiveEvent>(payload, LiveJson.Options),
        LogEntryKind.Intervention => JsonSerializer.Deserialize<InterventionCommand>(payload, LiveJson.Options),
        _ => null,
    };

    private static bool IsExact(LiveEvent e) => e.Timestamp.Offset == TimeSpan.Zero && e.Timestamp.UtcTicks % TimeSpan.TicksPerMillisecond == 0;

    private async Task PublishToWatchersAsync(SessionEffects effects, LiveState before, List<MessageDelta>? tokens)
    {
        if (_watchedUntil < leaseClock.GetUtcNow()) return;
        var items = new List<WatchItem>();
        var owner = _model.State.OwnerId;
        foreach (var message in effects.Messages) items.Add(new MessageAdded(_model.SessionId, owner, message));
        if (tokens is not null) items.Add(Tokens(owner, tokens));
        if (_model.LiveState != before) items.Add(new StateChanged(_model.SessionId, owner, _model.LiveState));
        foreach (var entry in effects.Interventions) items.Add(new InterventionAdded(_model.SessionId, owner, entry));
        if (items.Count == 0) return;
        _watch ??= this.GetStreamProvider(LiveStreams.Provider).GetStream<WatchItem>(StreamId.Create(LiveStreams.Session, this.GetPrimaryKeyString()));
        try
        {
            // Awaited, so the next batch's items follow these: tokens keep their order.
            await _watch.OnNextBatchAsync(items);
        }
        catch (Exception ex)
        {
            Log.WatchPublishFailed(logger, this.GetPrimaryKeyString(), ex);
        }
    }

    /// <summary>The batch's deltas as one item; a message id repeated is the same string, which the serializer writes once.</summary>
    private TokensArrived Tokens(string? owner, List<MessageDelta> tokens)
    {
        var messageIds = new string[tokens.Count];
        var deltas = new string[tokens.Count];
        var indexes = new int[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            messageIds[i] = i > 0 && string.Equals(tokens[i].MessageId, messageIds[i - 1], StringComparison.Ordinal) ? messageIds[i - 1] : tokens[i].MessageId;
            deltas[i] = tokens[i].Delta;
            indexes[i] = tokens[i].Index;
        }
        return new TokensArrived(_model.SessionId, owner, messageIds, deltas, indexes);
    }

    private async Task WriteSnapshotAsync()
    {
        if (!_dirty) return;
        _dirty = false;
        _sinceSnapshot = 0;
        // The log has every event meanwhile: a write that failed is made again by the next one.
        if (!await Snapshots.TryWriteAsync(this, stored.WriteStateAsync, logger)) _dirty = true;
    }

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Warning, "Session {Grain}: publishing to watchers failed.")]
        public static partial void WatchPublishFailed(ILogger logger, string grain, Exception ex);
    }
}

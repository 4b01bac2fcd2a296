using LiveOrleans.Grains.Derived;
using LiveOrleans.Live;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace LiveOrleans.Grains.Tenants;

/// <summary>A tenant-day's snapshot besides its rows: the covered log position and the version of its stream items.</summary>
[GenerateSerializer]
public sealed class DayState : IDerivedState, IPublishedState
{
    [Id(0)] public long CoveredPosition { get; set; }
    [Id(1)] public bool Clean { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public RecoveryProgress? Recovery { get; set; }
}

/// <summary>A conversation's facts for the day at its log position.</summary>
[GenerateSerializer, Immutable]
public sealed record DayConversation([property: Id(0)] long Position, [property: Id(1)] ConversationFacts Facts);

/// <summary>
/// One tenant-day: the conversations active that day (a row each) and the summary and hourly chart over them, kept
/// as cell counts. Publishes the cells that changed on the tenant stream.
/// </summary>
[TenantPlacement]
public sealed class TenantDayGrain(
    [PersistentState("day", LiveStorage.Name)] IPersistentState<DayState> stored,
    IEventLog log,
    IRowStore rows,
    Serializer serializer,
    IOptions<LiveOptions> options,
    TimeProvider leaseClock,
    HeapCompaction compaction,
    ILogger<TenantDayGrain> logger) : DerivedGrain<DayState>(stored, log, options.Value, leaseClock, logger), ITenantDayGrain
{
    private readonly Dictionary<string, DayConversation> _conversations = new(StringComparer.Ordinal);
    private readonly DayFigures _figures = new();
    private RowChanges<DayConversation> _rows = null!;

    // Team, owner and channel ids: one instance each, not one per conversation.
    private readonly StringPool _ids = new();

    protected override async Task OnLoadedAsync()
    {
        _rows = new RowChanges<DayConversation>(rows, serializer, this.GetPrimaryKeyString(), new DayRowCodec());
        using var load = compaction.Loading();
        var loaded = await _rows.LoadAsync(conversation => conversation with { Facts = Settle(conversation.Facts) });
        load.Read(loaded.Count);
        _conversations.EnsureCapacity(loaded.Count);
        foreach (var (session, conversation) in loaded)
        {
            _conversations[session] = conversation;
            _figures.Count(conversation.Facts, +1);
        }
    }

    private ConversationFacts Settle(ConversationFacts facts)
        => facts with { TeamId = _ids.Share(facts.TeamId), OwnerId = _ids.Share(facts.OwnerId), Channel = _ids.Share(facts.Channel) };

    protected override async Task RecoverAsync(IReadOnlyList<string> changedStreams)
    {
        // The days are asked for in the tenant's zone: a session replayed after a crash may not have been given it yet.
        // (The tenant grain never calls a tenant-day, so this call cannot wait on this activation.)
        var zone = (await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetSettings()).TimeZone;
        var facts = new List<SessionDayFacts>();
        foreach (var session in await SessionFactsAsync(changedStreams, timeZone: zone))
        {
            foreach (var day in session.Days)
            {
                if (day.Day == Id) facts.Add(new SessionDayFacts(session.Entry.SessionId, session.Entry.Position, day.Facts));
            }
        }
        await Apply(facts);
    }

    protected override Task FlushAsync() => _rows.FlushAsync(key => _conversations.GetValueOrDefault(key));

    public async Task Apply(IReadOnlyList<SessionDayFacts> facts)
    {
        var cells = new Dictionary<(string?, string?, string?), DayCell>();
        foreach (var (session, position, next) in facts)
        {
            if (_conversations.TryGetValue(session, out var old))
            {
                if (old.Position > position || old.Facts == next) continue;
                Note(cells, _figures.Count(old.Facts, -1));
            }
            _conversations[session] = new DayConversation(position, Settle(next));
            Note(cells, _figures.Count(next, +1));
            _rows.Changed(session);
        }
        if (cells.Count == 0) return;
        Changed();
        await PublishAsync(version => new DayChanged(Id, version, [.. cells.Values]));
    }

    // A cell touched twice in one update (a conversation moving within it) is published once, as it ends up.
    private static void Note(Dictionary<(string?, string?, string?), DayCell> cells, DayCell cell) => cells[(cell.TeamId, cell.OwnerId, cell.Channel)] = cell;

    public Task<SummaryCounts> Summary(LiveFilter filter) => Task.FromResult(_figures.Summary(filter));

    public Task<IReadOnlyList<int>> Hourly(LiveFilter filter) => Task.FromResult<IReadOnlyList<int>>(_figures.Hourly(filter));

    public Task<DaySnapshot> GetSnapshot() => Task.FromResult(new DaySnapshot(Id, State.Version, _figures.Cells()));
}

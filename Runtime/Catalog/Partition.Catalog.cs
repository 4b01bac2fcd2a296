namespace LiveOrleans.Runtime;

// Activation life cycle: activate on first use, track what changed since the last checkpoint, collect on request.
internal sealed partial class Partition : IGrainFactory, IGrainRuntime
{
    private readonly GrainTypes _types;
    private readonly IGrainStorage _storage;
    private readonly Dictionary<GrainId, Grain> _active = [];
    private readonly HashSet<GrainId> _dirty = [];
    private readonly HashSet<GrainId> _toDeactivate = [];
    private readonly Dictionary<GrainId, byte[]> _collected = [];

    // Grains collected at some time, whose snapshot is in storage: the only ones worth a storage read, so
    // activating a brand-new grain (the common case) never touches the store.
    private readonly HashSet<GrainId> _stored = [];
    private readonly PriorityQueue<(GrainId Id, string Name), DateTimeOffset> _timers = new();
    private bool _writeTurn;

    public int ActiveCount => _active.Count;

    public T GetGrain<T>(string tenant, string key) where T : Grain
        => (T)(Find(new GrainId(_types.NameOf(typeof(T)), tenant, key)) ?? Activate(new GrainId(_types.NameOf(typeof(T)), tenant, key), null));

    public T? FindGrain<T>(string tenant, string key) where T : Grain
        => (T?)Find(new GrainId(_types.NameOf(typeof(T)), tenant, key));

    private Grain? Find(GrainId id)
    {
        if (!_active.TryGetValue(id, out var grain))
        {
            var data = _collected.Remove(id, out var pending) ? pending : _stored.Contains(id) ? _storage.ReadGrain(id) : null;
            if (data is null) return null;
            grain = Activate(id, data);
        }
        if (_writeTurn) _dirty.Add(id);
        return grain;
    }

    private Grain Activate(GrainId id, byte[]? data)
    {
        var grain = Load(id, data);
        grain.OnActivate();
        return grain;
    }

    private Grain Load(GrainId id, byte[]? data)
    {
        var grain = _types.Create(id.Type);
        grain.Attach(id, this);
        if (data is not null) grain.LoadState(data, _types.SnapshotOptions);
        _active.Add(id, grain);
        if (_writeTurn) _dirty.Add(id);
        return grain;
    }

    /// <summary>Activates the grains of a checkpoint: all states first, then <see cref="Grain.OnActivate"/>, so an activation may call any of them.</summary>
    private void ActivateAll(IEnumerable<GrainSnapshot> snapshots)
    {
        var loaded = snapshots.Select(s => Load(s.Id, s.Data)).ToList();
        foreach (var grain in loaded) grain.OnActivate();
    }

    public void RegisterTimer(GrainId id, string name, DateTimeOffset dueAt) => _timers.Enqueue((id, name), dueAt);

    public void Deactivate(GrainId id) => _toDeactivate.Add(id);

    private void CollectDeactivated()
    {
        if (_toDeactivate.Count == 0) return;
        foreach (var id in _toDeactivate)
        {
            if (!_active.Remove(id, out var grain)) continue;
            _dirty.Remove(id);
            _collected[id] = grain.SaveState(_types.SnapshotOptions);
            _stored.Add(id);
        }
        _toDeactivate.Clear();
    }

    /// <summary>Snapshots of what changed since the last checkpoint, covering the log up to <paramref name="position"/>.</summary>
    internal PartitionCheckpoint TakeCheckpoint(long position)
    {
        var snapshots = new List<GrainSnapshot>(_dirty.Count + _collected.Count);
        foreach (var id in _dirty) snapshots.Add(new GrainSnapshot(id, _active[id].SaveState(_types.SnapshotOptions), Active: true));
        foreach (var (id, data) in _collected) snapshots.Add(new GrainSnapshot(id, data, Active: false));
        // Collected grains stay in _collected until the write is confirmed, so a reactivation in between
        // never reads an older snapshot from storage.
        _dirty.Clear();
        return new PartitionCheckpoint(Index, Math.Max(position, CheckpointPosition), snapshots);
    }

    /// <summary>A checkpoint could not be written: what it held must go into the next one.</summary>
    internal void CheckpointFailed(PartitionCheckpoint checkpoint)
    {
        foreach (var snapshot in checkpoint.Snapshots)
        {
            if (_active.ContainsKey(snapshot.Id)) _dirty.Add(snapshot.Id);
            else _collected.TryAdd(snapshot.Id, snapshot.Data);
        }
    }

    internal void CheckpointWritten(PartitionCheckpoint checkpoint)
    {
        CheckpointPosition = checkpoint.Position;
        foreach (var snapshot in checkpoint.Snapshots)
        {
            if (!snapshot.Active && _collected.TryGetValue(snapshot.Id, out var data) && ReferenceEquals(data, snapshot.Data))
                _collected.Remove(snapshot.Id);
        }
    }

    /// <summary>Serialised state of every active grain, for determinism tests and diagnostics.</summary>
    internal IEnumerable<GrainSnapshot> SnapshotAll() => _active.Select(g => new GrainSnapshot(g.Key, g.Value.SaveState(_types.SnapshotOptions), true));
}

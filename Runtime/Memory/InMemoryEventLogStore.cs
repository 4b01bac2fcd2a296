namespace LiveOrleans.Runtime.Memory;

/// <summary>A log in memory, for tests of the runtime and the grains. Not durable.</summary>
public sealed class InMemoryEventLogStore : IEventLogStore
{
    private readonly Lock _lock = new();
    private readonly List<LogEntry> _entries = [];
    private readonly HashSet<(string Tenant, string Key)> _keys = [];

    public AppendOutcome[] AppendBatch(IReadOnlyList<LogAppend> batch)
    {
        lock (_lock)
        {
            var outcomes = new AppendOutcome[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var entry = batch[i];
                if (entry.DedupKey is not null && !_keys.Add((entry.Tenant, entry.DedupKey))) continue;
                var position = _entries.Count + 1L;
                _entries.Add(new LogEntry(position, entry.Tenant, entry.Kind, entry.Payload));
                outcomes[i] = new AppendOutcome(position);
            }
            return outcomes;
        }
    }

    public IEnumerable<LogEntry> ReadAfter(long afterPosition)
    {
        lock (_lock)
        {
            return _entries.Skip((int)Math.Min(afterPosition, _entries.Count)).ToArray();
        }
    }

    public long LastPosition()
    {
        lock (_lock) return _entries.Count;
    }

    public void Dispose() { }
}

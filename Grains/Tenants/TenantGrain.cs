using LiveOrleans.Events;
using LiveOrleans.Queries;
using LiveOrleans.Runtime;

namespace LiveOrleans.Grains;

/// <summary>
/// The tenant directory: settings (name, time zone), teams, the agents it has seen, the index of its live and
/// recently ended sessions, and its activity log.
/// </summary>
[GrainType("tenant")]
public sealed class TenantGrain : Grain<TenantGrain.TenantState>
{
    /// <summary>The one key of a tenant's directory grain.</summary>
    public const string DirectoryKey = "_";

    public sealed class TenantState
    {
        public string? Name { get; set; }
        public string TimeZone { get; set; } = "UTC";
        public int WaitingAlertSeconds { get; set; } = DefaultWaitingAlertSeconds;
        public Dictionary<string, string> Teams { get; set; } = [];
        public HashSet<string> Agents { get; set; } = [];
        public HashSet<string> Sessions { get; set; } = [];
        public List<ActivityEntry> Activity { get; set; } = [];
        public List<InterventionView> Audit { get; set; } = [];
        public List<ControlCommand> PendingControl { get; set; } = [];
        public long ControlSequence { get; set; }
    }

    /// <summary>The permanent audit log of interventions, oldest first.</summary>
    public IReadOnlyList<InterventionView> Audit => State.Audit;

    /// <summary>Control commands not acknowledged yet, in order.</summary>
    public IReadOnlyList<ControlCommand> PendingControl => State.PendingControl;

    public void Audited(InterventionView entry) => State.Audit.Add(entry);

    /// <summary>Queues a control command for the tenant's producers until one acknowledges it.</summary>
    public void IssueControl(InterventionView entry, string? agentId)
    {
        var command = new ControlCommand(++State.ControlSequence, entry.InterventionId, entry.SessionId, agentId, entry.Type, entry.Content, entry.Target);
        State.PendingControl.Add(command);
        Publish(new ControlIssued(Tenant, command));
    }

    /// <summary>Answers whether the command was pending.</summary>
    public bool Acknowledge(string interventionId) => State.PendingControl.RemoveAll(c => c.InterventionId == interventionId) > 0;

    /// <summary>Default of the "waiting longer than" alert threshold.</summary>
    public const int DefaultWaitingAlertSeconds = 300;

    public string TimeZone => State.TimeZone;

    public TimeSpan WaitingAlertThreshold => TimeSpan.FromSeconds(State.WaitingAlertSeconds);

    public IReadOnlyCollection<string> AgentIds => State.Agents;

    /// <summary>Live sessions and those ended less than the metrics window ago.</summary>
    public IReadOnlyCollection<string> SessionIds => State.Sessions;

    /// <summary>The kept entries, oldest first (at most the configured number; trimming happens in chunks).</summary>
    public IEnumerable<ActivityEntry> Activity(int maxEntries) => State.Activity.Skip(Math.Max(0, State.Activity.Count - maxEntries));

    public void Configure(ConfigureTenant command)
    {
        if (command.Name is not null) State.Name = command.Name;
        if (command.TimeZone is not null) State.TimeZone = command.TimeZone;
        if (command.WaitingAlertSeconds is { } seconds) State.WaitingAlertSeconds = seconds;
        Publish(new TenantChanged(Tenant));
    }

    public void ConfigureTeam(ConfigureTeam command)
    {
        State.Teams[command.TeamId] = command.Name;
        Publish(new TenantChanged(Tenant));
    }

    public void RegisterAgent(string agentId) => State.Agents.Add(agentId);

    public void SessionOpened(string sessionId) => State.Sessions.Add(sessionId);

    public void SessionCollected(string sessionId) => State.Sessions.Remove(sessionId);

    /// <summary>Adds an activity entry; its id comes from the log position, so a replay gives the same ids.</summary>
    public ActivityEntry Record(DateTimeOffset at, string type, string? sessionId, string? agentId, string summary, int maxEntries)
    {
        var entry = new ActivityEntry($"act_{CurrentPosition}_{type}", at, type, sessionId, agentId, summary);
        State.Activity.Add(entry);
        Publish(new ActivityRecorded(Tenant, entry));
        // Trimmed in chunks, not one entry per append: removing from the front moves the whole list.
        if (State.Activity.Count > maxEntries + maxEntries / 4) State.Activity.RemoveRange(0, State.Activity.Count - maxEntries);
        return entry;
    }
}

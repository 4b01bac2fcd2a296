using LiveOrleans.Live;

namespace LiveOrleans.Grains.Sessions;

/// <summary>What applying events or an intervention produced besides the new state: for watchers, for the derived grains, for dashboards.</summary>
public sealed class SessionEffects
{
    /// <summary>Messages added to the transcript (for watchers).</summary>
    public List<MessageView> Messages { get; } = [];

    /// <summary>New activity-log entries.</summary>
    public List<ActivityEntry> Activity { get; } = [];

    /// <summary>Alerts that fired (urgent, error, intervention).</summary>
    public List<AlertView> Alerts { get; } = [];

    /// <summary>Lifecycle events applied, in order.</summary>
    public List<SessionLifecycle> Lifecycle { get; } = [];

    /// <summary>Interventions recorded (for watchers).</summary>
    public List<InterventionView> Interventions { get; } = [];

    /// <summary>Agents whose signal from this session changed.</summary>
    public HashSet<string> Agents { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether anything a derived grain keeps changed.</summary>
    public bool Changed { get; set; }
}

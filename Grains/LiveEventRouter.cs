using System.Text.Json;
using LiveOrleans.Events;
using LiveOrleans.Queries;
using LiveOrleans.Runtime;

namespace LiveOrleans.Grains;

/// <summary>Applies log entries: decodes each one and calls the grains it concerns (the streams of this runtime).</summary>
public sealed class LiveEventRouter(LiveOptions options) : ILogEntryHandler
{
    /// <summary>The grain classes of LiveOrleans.</summary>
    public static GrainTypes GrainTypes() => new GrainTypes(LiveJson.Options)
        .Add<TenantGrain>()
        .Add<TenantDayGrain>()
        .Add<SessionGrain>()
        .Add<AgentGrain>();

    public object? Apply(IGrainFactory grains, LogEntry entry)
    {
        switch (entry.Kind)
        {
            case LogEntryKind.Event:
                Apply(grains, entry.Tenant, entry.Body as LiveEvent ?? JsonSerializer.Deserialize<LiveEvent>(entry.Payload, LiveJson.Options)!);
                return null;
            case LogEntryKind.Command:
                return Apply(grains, entry.Tenant, entry.Body as TenantCommand ?? JsonSerializer.Deserialize<TenantCommand>(entry.Payload, LiveJson.Options)!);
            default:
                return null;
        }
    }

    private void Apply(IGrainFactory grains, string tenant, LiveEvent e)
    {
        if (e is AgentStatusChanged status)
        {
            grains.GetGrain<AgentGrain>(tenant, status.AgentId).StatusChanged(status);
            return;
        }
        grains.GetGrain<SessionGrain>(tenant, e.SessionId!).Handle(e, options);
    }

    private object? Apply(IGrainFactory grains, string tenant, TenantCommand command)
    {
        switch (command)
        {
            case ConfigureTenant c: grains.GetGrain<TenantGrain>(tenant, TenantGrain.DirectoryKey).Configure(c); return null;
            case ConfigureTeam c: grains.GetGrain<TenantGrain>(tenant, TenantGrain.DirectoryKey).ConfigureTeam(c); return null;
            case ConfigureAgent c: grains.GetGrain<AgentGrain>(tenant, c.AgentId).Configure(c); return null;
            case Intervene c:
                return grains.FindGrain<SessionGrain>(tenant, c.SessionId)?.Intervene(c, options)
                    ?? new InterventionResult(null, 404, $"Session '{c.SessionId}' was not found.");
            case AcknowledgeControl c: return grains.GetGrain<TenantGrain>(tenant, TenantGrain.DirectoryKey).Acknowledge(c.InterventionId);
            default: return null;
        }
    }

    /// <summary>Serialises an event for the log; the typed event rides along so the live apply skips decoding.</summary>
    /// <remarks>The typed event rides along only when its timestamp is already what the log keeps (UTC, whole
    /// milliseconds: the validator normalises), so the live apply and a replay see exactly the same event.</remarks>
    public static LogAppend ToLog(string tenant, LiveEvent e)
    {
        var exact = e.Timestamp.Offset == TimeSpan.Zero && e.Timestamp.UtcTicks % TimeSpan.TicksPerMillisecond == 0;
        return new(tenant, LogEntryKind.Event, e.Id, JsonSerializer.SerializeToUtf8Bytes(e, LiveJson.Options)) { Body = exact ? e : null };
    }

    /// <summary>Serialises a command for the log (commands are never duplicates).</summary>
    public static LogAppend ToLog(string tenant, TenantCommand command)
        => new(tenant, LogEntryKind.Command, null, JsonSerializer.SerializeToUtf8Bytes(command, LiveJson.Options));
}

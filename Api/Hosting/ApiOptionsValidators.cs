using LiveOrleans.Api.Ingest;
using LiveOrleans.Api.Live;
using LiveOrleans.Hosting;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Api.Hosting;

/// <summary>Section <c>Ingest</c>: a rate the per-tenant bucket can refill (a tenth every 100 ms) without overflowing, and positive bounds.</summary>
public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var problems = new List<string>();
        if (options.EventsPerSecondPerTenant is < 10 or > 1_000_000_000)
            problems.Add($"Ingest:EventsPerSecondPerTenant {options.EventsPerSecondPerTenant} must be 10 to 1000000000.");
        if (options.TargetLatency < TimeSpan.Zero) problems.Add("Ingest:TargetLatency must not be negative.");
        if (options.MinEventsInFlight < 1) problems.Add($"Ingest:MinEventsInFlight {options.MinEventsInFlight} must be at least 1.");
        if (options.MaxEventsInFlight < 1) problems.Add($"Ingest:MaxEventsInFlight {options.MaxEventsInFlight} must be at least 1.");
        return LiveOptionsValidation.Of(problems);
    }
}

/// <summary>Section <c>Push</c>: a positive tick (the fan-out's timer), intervals and caps that are not negative.</summary>
public sealed class PushOptionsValidator : IValidateOptions<PushOptions>
{
    public ValidateOptionsResult Validate(string? name, PushOptions options)
    {
        var problems = new List<string>();
        if (options.Tick <= TimeSpan.Zero || options.Tick > TimeSpan.FromDays(1)) problems.Add("Push:Tick must be positive and at most a day.");
        if (options.FigureInterval < TimeSpan.Zero) problems.Add("Push:FigureInterval must not be negative.");
        if (options.RefreshInterval < TimeSpan.Zero) problems.Add("Push:RefreshInterval must not be negative.");
        if (options.MaxCards < 1) problems.Add($"Push:MaxCards {options.MaxCards} must be at least 1.");
        if (options.MaxQueuedBytes < 1) problems.Add($"Push:MaxQueuedBytes {options.MaxQueuedBytes} must be at least 1.");
        if (options.MaxConnectionsPerUser < 0) problems.Add($"Push:MaxConnectionsPerUser {options.MaxConnectionsPerUser} must not be negative (0: no cap).");
        if (options.MaxConnectionsPerTenant < 0) problems.Add($"Push:MaxConnectionsPerTenant {options.MaxConnectionsPerTenant} must not be negative (0: no cap).");
        if (options.MaxFilterGroupsPerTenant < 0) problems.Add($"Push:MaxFilterGroupsPerTenant {options.MaxFilterGroupsPerTenant} must not be negative (0: no cap).");
        return LiveOptionsValidation.Of(problems);
    }
}

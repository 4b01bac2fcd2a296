using System.Text.Json;
using System.Threading.RateLimiting;
using LiveOrleans.Grains;
using LiveOrleans.Live;
using LiveOrleans.Views;

namespace LiveOrleans.Api.Ingest;

/// <summary>Settings of ingest (configuration section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const int DefaultEventsPerSecondPerTenant = 100_000;

    /// <summary>Sustained events per second one tenant may send; bursts up to two seconds' worth.</summary>
    public int EventsPerSecondPerTenant { get; set; } = DefaultEventsPerSecondPerTenant;

    public static readonly TimeSpan DefaultTargetLatency = TimeSpan.FromMilliseconds(200);
    public const int DefaultMinEventsInFlight = 2_000;
    public const int DefaultMaxEventsInFlight = 100_000;

    /// <summary>
    /// How long an accepted batch should wait on its way in, on average: this node lets in as many events at once as
    /// the engine answered in that time lately (<see cref="IngestAdmission"/>); a batch beyond that is answered 429
    /// at once, before any work, so the engine keeps its full rate and accepted batches a bounded wait.
    /// </summary>
    public TimeSpan TargetLatency { get; set; } = DefaultTargetLatency;

    /// <summary>The bound on events in flight never goes below this (a quiet node's start).</summary>
    public int MinEventsInFlight { get; set; } = DefaultMinEventsInFlight;

    /// <summary>The bound on events in flight never goes above this. A batch alone is always taken.</summary>
    public int MaxEventsInFlight { get; set; } = DefaultMaxEventsInFlight;
}

/// <summary>What became of an ingest batch.</summary>
public abstract record IngestOutcome
{
    public sealed record Accepted(int Count, int Duplicates) : IngestOutcome;
    public sealed record Invalid(ValidationErrors Errors, int BadEvents) : IngestOutcome;
    /// <param name="Kind">For the metrics: rate_limit, overload or session_cap.</param>
    /// <param name="Stored">Events of the batch stored all the same (a session cap refuses only the new sessions' events).</param>
    /// <param name="Duplicates">Events of the batch the tenant had sent before.</param>
    public sealed record Limited(TimeSpan RetryAfter, string Reason, string Kind = "overload", int Stored = 0, int Duplicates = 0) : IngestOutcome;

    /// <summary>Paused or taken-over sessions refused their agent's events; the other sessions' events were stored.</summary>
    /// <param name="Refusal"><c>paused</c>, or <c>taken_over</c> when every refusing session was taken over by a person.</param>
    public sealed record Paused(string Detail, int Stored, int Duplicates, string Refusal = "paused") : IngestOutcome;

    /// <summary>The store could not make the events durable (disk full, its file gone, PostgreSQL refusing): 503, send again after <paramref name="RetryAfter"/>.</summary>
    public sealed record Unavailable(TimeSpan RetryAfter, string Reason) : IngestOutcome;
}

/// <summary>
/// The one path of producer events into the engine (HTTP and the runtime hub): validation of the whole batch at the
/// edge, the tenant's rate limit, then the tenant's ingest grain, which answers once the events are durable and applied.
/// </summary>
public sealed class IngestService(
    IGrainFactory grains, [FromKeyedServices(LiveTime.Key)] TimeProvider time, IngestOptions options, Microsoft.Extensions.Options.IOptions<LiveOptions> liveOptions)
    : IDisposable
{
    private static readonly TimeSpan SessionCapRetry = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A token bucket per tenant holding two seconds' worth of events, refilled a tenth of the rate every 100 ms; the
    /// partitioned limiter replenishes every bucket on one timer and drops a tenant's once it has been full a while.
    /// </summary>
    private readonly PartitionedRateLimiter<string> _rate = PartitionedRateLimiter.Create<string, string>(tenant =>
        RateLimitPartition.GetTokenBucketLimiter(tenant, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.EventsPerSecondPerTenant * 2,
            TokensPerPeriod = options.EventsPerSecondPerTenant / 10,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = 0,
        }), StringComparer.Ordinal);
    private readonly IngestAdmission _admission = new(options);

    /// <param name="path">The field path of the events array in error names: empty for a body <c>{"events": [...]}</c>.</param>
    public async Task<IngestOutcome> IngestAsync(string tenant, JsonElement body, string path)
    {
        using var activity = LiveTelemetry.Source.StartActivity("ingest");
        activity?.SetTag("liveorleans.tenant", tenant);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = await IngestValidatedAsync(tenant, body, path);
        var sent = (path.Length == 0 ? body.ValueKind == JsonValueKind.Object && body.TryGetProperty("events", out var e) ? e : default : body) is { ValueKind: JsonValueKind.Array } array
            ? array.GetArrayLength() : 1;
        activity?.SetTag("liveorleans.events", sent);
        switch (outcome)
        {
            case IngestOutcome.Accepted a:
                LiveTelemetry.EventsAccepted.Add(a.Count);
                LiveTelemetry.EventsDuplicated.Add(a.Duplicates);
                LiveTelemetry.IngestDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                break;
            case IngestOutcome.Paused p:
                LiveTelemetry.EventsAccepted.Add(p.Stored);
                LiveTelemetry.EventsDuplicated.Add(p.Duplicates);
                LiveTelemetry.EventsRefused.Add(Math.Max(0, sent - p.Stored - p.Duplicates), new KeyValuePair<string, object?>("reason", p.Refusal));
                break;
            case IngestOutcome.Invalid:
                LiveTelemetry.EventsRefused.Add(sent, new KeyValuePair<string, object?>("reason", "invalid"));
                break;
            case IngestOutcome.Unavailable:
                LiveTelemetry.EventsRefused.Add(sent, new KeyValuePair<string, object?>("reason", "store_unavailable"));
                break;
            case IngestOutcome.Limited l:
                LiveTelemetry.EventsAccepted.Add(l.Stored);
                LiveTelemetry.EventsDuplicated.Add(l.Duplicates);
                LiveTelemetry.EventsRefused.Add(Math.Max(0, sent - l.Stored - l.Duplicates), new KeyValuePair<string, object?>("reason", l.Kind));
                break;
        }
        activity?.SetTag("liveorleans.outcome", outcome.GetType().Name);
        return outcome;
    }

    private async Task<IngestOutcome> IngestValidatedAsync(string tenant, JsonElement body, string path)
    {
        var errors = new ValidationErrors();
        var events = path.Length == 0
            ? EventValidator.ValidateBatch(body, time.GetUtcNow(), errors)
            : EventValidator.ValidateEvents(body, path, time.GetUtcNow(), errors);
        if (!errors.IsEmpty)
        {
            var bad = errors.ToDictionary().Keys.Select(k => k.Split('.')[0]).Distinct().Count();
            return new IngestOutcome.Invalid(errors, bad);
        }

        using var lease = _rate.AttemptAcquire(tenant, Math.Min(events.Count, options.EventsPerSecondPerTenant * 2));
        if (!lease.IsAcquired)
        {
            return new IngestOutcome.Limited(TimeSpan.FromSeconds(1),
                $"Tenant rate limit of {options.EventsPerSecondPerTenant} events per second reached; retry after a second.", "rate_limit");
        }

        if (!_admission.TryEnter(events.Count))
        {
            return new IngestOutcome.Limited(TimeSpan.FromSeconds(1),
                $"The engine is at capacity ({_admission.InFlight} events on their way in on this node); nothing of the batch was stored. Send it again after the time in Retry-After.");
        }
        IngestResult result;
        try
        {
            result = await Hosting.ClusterCalls.OnceMoreOnFailoverAsync(() => grains.GetGrain<IIngestGrain>(tenant).Ingest(events));
        }
        catch (OverloadedException ex)
        {
            return new IngestOutcome.Limited(ex.RetryAfter,
                $"{ex.Message} Events of the batch that were stored count as duplicates when you send it again.");
        }
        catch (StoreUnavailableException ex)
        {
            // Never a 202 for events not on disk: what the store refused is sent again, what it kept counts as a duplicate then.
            return new IngestOutcome.Unavailable(ex.RetryAfter,
                "The store cannot take writes just now (see the engine's readiness), so the batch was not acknowledged; send it again after the time in Retry-After (events already stored count as duplicates).");
        }
        finally
        {
            _admission.Exit(events.Count);
        }
        var capped = result.Refused.Where(r => r.Kind == RefusalKind.SessionCap).Select(r => r.SessionId).ToArray();
        if (capped.Length > 0)
        {
            var stored = result.Accepted + result.Duplicates;
            return new IngestOutcome.Limited(SessionCapRetry,
                $"The tenant has reached its cap of {liveOptions.Value.MaxLiveSessionsPerTenant} live sessions: new sessions are refused until some end "
                + $"(refused: {string.Join(", ", capped.Take(10).Select(c => $"'{c}'"))}{(capped.Length > 10 ? $" and {capped.Length - 10} more" : "")}). "
                + (stored == 0 ? "Nothing of the batch was stored." : $"The other {stored} events were stored (sending the batch again is safe: they count as duplicates)."),
                "session_cap", result.Accepted, result.Duplicates);
        }
        if (result.Refused.Count > 0)
        {
            var stored = result.Accepted + result.Duplicates;
            var detail = string.Join(" ", result.Refused.Select(r => r.Detail))
                + (stored == 0
                    ? " Nothing of the batch was stored."
                    : $" Nothing of that session's events was stored; the other {stored} events were (sending the batch again is safe: they count as duplicates).");
            var kind = result.Refused.All(r => r.Kind == RefusalKind.TakenOver) ? "taken_over" : "paused";
            return new IngestOutcome.Paused(detail, result.Accepted, result.Duplicates, kind);
        }
        return new IngestOutcome.Accepted(result.Accepted, result.Duplicates);
    }

    public void Dispose() => _rate.Dispose();
}

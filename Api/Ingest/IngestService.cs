using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.RateLimiting;
using LiveOrleans.Api.Hosting;
using LiveOrleans.Grains;
using LiveOrleans.Runtime;

namespace LiveOrleans.Api.Ingest;

/// <summary>Settings of ingest (configuration section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const int DefaultEventsPerSecondPerTenant = 100_000;

    /// <summary>Sustained events per second one tenant may send; bursts up to two seconds' worth.</summary>
    public int EventsPerSecondPerTenant { get; set; } = DefaultEventsPerSecondPerTenant;
}

/// <summary>What became of an ingest batch.</summary>
public abstract record IngestOutcome
{
    public sealed record Accepted(int Count, int Duplicates) : IngestOutcome;
    public sealed record Invalid(ValidationErrors Errors, int BadEvents) : IngestOutcome;
    public sealed record Limited(TimeSpan RetryAfter, string Reason) : IngestOutcome;
    public sealed record Paused(string Detail) : IngestOutcome;
}

/// <summary>
/// The one path of producer events into the engine (HTTP today, the runtime hub later): validation of the
/// whole batch, the tenant's rate limit, a durable append of the logged events, then the live-only token deltas.
/// </summary>
public sealed class IngestService(LiveEngine engine, TimeProvider time, IngestOptions options, Live.LivePush push)
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _limiters = new(StringComparer.Ordinal);

    public async Task<IngestOutcome> IngestAsync(string tenant, JsonElement body, string path)
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

        using var lease = Limiter(tenant).AttemptAcquire(Math.Min(events.Count, options.EventsPerSecondPerTenant * 2));
        if (!lease.IsAcquired)
        {
            return new IngestOutcome.Limited(TimeSpan.FromSeconds(1),
                $"Tenant rate limit of {options.EventsPerSecondPerTenant} events per second reached; retry after a second.");
        }

        if (events.FirstOrDefault(e => IsAgentEvent(e) && push.IsPaused(tenant, e.SessionId!)) is { } refused)
        {
            return new IngestOutcome.Paused(
                $"Session '{refused.SessionId}' is paused by an intervention: the agent's {EnumName(refused)} is refused until a supervisor resumes it. Nothing of the batch was stored.");
        }

        var logged = new List<LogAppend>(events.Count);
        List<(int Index, MessageDelta Delta)>? deltas = null;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is MessageDelta d) (deltas ??= []).Add((i, d));
            else logged.Add(LiveEventRouter.ToLog(tenant, events[i]));
        }

        AppendOutcome[] outcomes;
        try
        {
            outcomes = await engine.Silo.AppendAsync(tenant, logged);
        }
        catch (OverloadedException ex)
        {
            return new IngestOutcome.Limited(ex.RetryAfter, ex.Message);
        }
        var duplicates = outcomes.Count(o => o.IsDuplicate);
        if (deltas is not null) await ApplyDeltasAsync(tenant, events, deltas);
        return new IngestOutcome.Accepted(events.Count - duplicates, duplicates);
    }

    // The agent's own events are refused while its session is paused; the customer's are still recorded.
    private static bool IsAgentEvent(LiveEvent e) => e is AgentThinking or MessageDelta || (e is MessageSent m && m.Sender.Kind != SenderKind.System);

    private static string EnumName(LiveEvent e) => e switch { AgentThinking => "agent_thinking", MessageDelta => "message_delta", _ => "message_sent" };

    /// <summary>Token deltas skip the log. A delta followed in the same batch by a logged event of its session is superseded by it.</summary>
    private Task ApplyDeltasAsync(string tenant, IReadOnlyList<LiveEvent> batch, List<(int Index, MessageDelta Delta)> deltas)
    {
        var lastLogged = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is not MessageDelta && batch[i].SessionId is { } s) lastLogged[s] = i;
        }
        var live = deltas
            .Where(d => !lastLogged.TryGetValue(d.Delta.SessionId!, out var at) || at < d.Index)
            .Select(d => d.Delta)
            .ToArray();
        if (live.Length == 0) return Task.CompletedTask;
        return engine.Silo.QueryAsync(tenant, grains =>
        {
            // Pushed from inside the turn, so tokens leave in the order the session took them.
            foreach (var d in live)
            {
                if (grains.FindGrain<SessionGrain>(tenant, d.SessionId!)?.Delta(d) == true) push.Token(tenant, d.SessionId!, d.MessageId, d.Delta, d.Index);
            }
            return 0;
        });
    }

    private TokenBucketRateLimiter Limiter(string tenant) => _limiters.GetOrAdd(tenant, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
    {
        TokenLimit = options.EventsPerSecondPerTenant * 2,
        TokensPerPeriod = options.EventsPerSecondPerTenant / 10,
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
        QueueLimit = 0,
        AutoReplenishment = true,
    }));
}

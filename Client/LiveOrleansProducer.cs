using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveOrleans.Events;
using Polly;
using Polly.Retry;

namespace LiveOrleans.Client;

/// <summary>What the engine did with the events of one <see cref="LiveOrleansProducer.SendAsync(IReadOnlyList{LiveOrleans.Events.LiveEvent}, CancellationToken)"/>.</summary>
/// <param name="Accepted">Events stored and applied now.</param>
/// <param name="Duplicates">Events whose id the tenant had sent before (a retry that had landed, say).</param>
/// <param name="Retries">Attempts that failed and were made again (429, 5xx, a lost connection).</param>
public sealed record SendResult(int Accepted, int Duplicates, int Retries);

/// <summary>
/// Sends lifecycle events over <c>POST /api/v1/events</c>: in batches within the engine's limits, each retried as
/// it stands (same ids, so a retry that had landed counts as a duplicate, never twice) after a 429 — waiting as
/// <c>Retry-After</c> says — a 5xx or a lost connection, with a growing delay. A 400 is never retried: it throws
/// <see cref="LiveOrleansValidationException"/> naming the bad fields; a 409 throws <see cref="SessionPausedException"/> (<see cref="SessionTakenOverException"/> for a session a person took over).
/// When it returns, every event is durable and applied.
/// </summary>
public sealed class LiveOrleansProducer(HttpClient http, LiveOrleansClientOptions options)
{
    /// <summary>The engine's limit on a request body.</summary>
    public const int MaxBatchBytes = 1024 * 1024;

    /// <summary>Sends the events in order, in as many requests as the limits need.</summary>
    public async Task<SendResult> SendAsync(IReadOnlyList<LiveEvent> events, CancellationToken cancellationToken = default)
    {
        int accepted = 0, duplicates = 0, retries = 0, offset = 0;
        foreach (var batch in Batches(events))
        {
            var result = await SendBatchAsync(batch, offset, cancellationToken);
            accepted += result.Accepted;
            duplicates += result.Duplicates;
            retries += result.Retries;
            offset += batch.Count;
        }
        return new SendResult(accepted, duplicates, retries);
    }

    /// <summary>Sends one event.</summary>
    public Task<SendResult> SendAsync(LiveEvent e, CancellationToken cancellationToken = default) => SendAsync([e], cancellationToken);

    /// <summary>Batches of at most <see cref="LiveOrleansClientOptions.MaxBatchEvents"/> events and <see cref="MaxBatchBytes"/>.</summary>
    private IEnumerable<IReadOnlyList<LiveEvent>> Batches(IReadOnlyList<LiveEvent> events)
    {
        var batch = new List<LiveEvent>();
        var bytes = 16;
        foreach (var e in events)
        {
            var size = JsonSerializer.SerializeToUtf8Bytes(e, LiveJson.Options).Length + 1;
            if (batch.Count > 0 && (batch.Count == options.MaxBatchEvents || bytes + size > MaxBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 16;
            }
            batch.Add(e);
            bytes += size;
        }
        if (batch.Count > 0) yield return batch;
    }

    private async Task<SendResult> SendBatchAsync(IReadOnlyList<LiveEvent> batch, int offset, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { events = batch }, LiveJson.Options);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var budget = new RetryBudget(DateTimeOffset.UtcNow + options.RetryFor, options.FirstRetryDelay);
        context.Properties.Set(Budget, budget);
        try
        {
            return await _retry.ExecuteAsync(
                static (context, state) => state.Producer.AttemptAsync(state.Body, state.Offset, state.Budget, context.CancellationToken),
                context, (Producer: this, Body: body, Offset: offset, Budget: budget));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One attempt: the result, or the answer's typed error (with the engine's <c>Retry-After</c> noted in the budget).</summary>
    private async ValueTask<SendResult> AttemptAsync(byte[] body, int offset, RetryBudget budget, CancellationToken cancellationToken)
    {
        budget.Told = null;
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/events") { Content = content };
        request.Headers.Add("X-Api-Key", options.ApiKey);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return new SendResult(answer.GetProperty("accepted").GetInt32(), answer.GetProperty("duplicates").GetInt32(), budget.Retries);
        }
        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            budget.Told = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        throw await ErrorAsync(response, offset, cancellationToken);
    }

    /// <summary>
    /// A 429, a 503 or another 5xx, or a connection that failed, was reset or timed out (the batch may or may not
    /// have landed; its ids make sending it again safe). Not the caller's cancellation, nor any other answer.
    /// </summary>
    private static bool IsPassing(Exception failure, CancellationToken cancellationToken) => failure switch
    {
        LiveOrleansException { Status: 429 or >= 500 } => true,
        HttpRequestException or IOException => true,
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static readonly ResiliencePropertyKey<RetryBudget> Budget = new("LiveOrleans.Producer.RetryBudget");

    /// <summary>
    /// Retries a batch as it stands while the failure is passing and the wait still ends within
    /// <see cref="LiveOrleansClientOptions.RetryFor"/>; then the last failure is thrown. Built once per producer.
    /// </summary>
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } failure
                && IsPassing(failure, args.Context.CancellationToken) && args.Context.Properties.GetValue(Budget, null!).Allows()),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(Budget, null!).Take(options.MaxRetryDelay)),
        })
        .Build();

    /// <summary>One batch's retries: when to give up, the next wait without <c>Retry-After</c> (it doubles), and what the engine told.</summary>
    private sealed class RetryBudget(DateTimeOffset giveUpAt, TimeSpan firstDelay)
    {
        private TimeSpan _delay = firstDelay;

        public TimeSpan? Told { get; set; }

        public int Retries { get; private set; }

        /// <summary>The wait before the next attempt: as the engine said, else the growing delay.</summary>
        public TimeSpan Pause => Told is { } told && told > TimeSpan.Zero ? told : _delay;

        /// <summary>Whether the wait would still end before giving up.</summary>
        public bool Allows() => DateTimeOffset.UtcNow + Pause <= giveUpAt;

        /// <summary>Takes the wait for a retry; a wait of our own doubles the next one, up to <paramref name="max"/>.</summary>
        public TimeSpan Take(TimeSpan max)
        {
            var pause = Pause;
            if (Told is null) _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, max.Ticks));
            Retries++;
            return pause;
        }
    }

    /// <summary>The typed error of an answer; validation errors' event indexes are made relative to the caller's list.</summary>
    internal static async Task<LiveOrleansException> ErrorAsync(HttpResponseMessage response, int offset, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        JsonElement problem = default;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (JsonException) { }
        catch (NotSupportedException) { }
        var detail = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
        var message = $"The engine answered {status} {response.ReasonPhrase}{(detail is null ? "" : ": " + detail)}";
        if (status == 400 && problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            var named = errors.EnumerateObject().ToDictionary(
                e => Reindex(e.Name, offset),
                e => e.Value.ValueKind == JsonValueKind.Array ? e.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray() : [e.Value.ToString()]);
            return new LiveOrleansValidationException(message, named);
        }
        if (status == 409)
        {
            int Count(string name) => problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : 0;
            var takenOver = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("refusal", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() == "taken_over";
            return takenOver
                ? new SessionTakenOverException(message, Count("accepted"), Count("duplicates"))
                : new SessionPausedException(message, Count("accepted"), Count("duplicates"));
        }
        return new LiveOrleansException(message, status);
    }

    private static string Reindex(string field, int offset)
    {
        if (offset == 0 || !field.StartsWith("events[", StringComparison.Ordinal)) return field;
        var close = field.IndexOf(']', StringComparison.Ordinal);
        return close > 7 && int.TryParse(field.AsSpan(7, close - 7), out var index) ? $"events[{index + offset}]{field[(close + 1)..]}" : field;
    }
}

using System.Buffers;
using System.Text.Json;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Ingest;

namespace LiveOrleans.Api.Endpoints;

public sealed record IngestResponse(int Accepted, int Duplicates);

/// <summary><c>POST /api/v1/events</c>: producers send batches of lifecycle events.</summary>
public static class IngestEndpoints
{
    public static RouteGroupBuilder MapIngestEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/events", Ingest).RequireAuthorization(LiveClaims.ProducerPolicy).WithTags("Ingest")
            .WithSummary("Accepts up to 1,000 events (1 MiB); answers 202 once they are durably stored.")
            .Accepts<JsonElement>("application/json")
            // 202 and 400 come from the handler's result types; a ProblemHttpResult says no status, so these are named.
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    /// <summary>
    /// How much of a body over the limit is read and thrown away before the 413, so that the client, still sending,
    /// reads the answer instead of a reset connection. Beyond it the connection is closed after the answer.
    /// </summary>
    public const int MaxDrainedBytes = 16 * 1024 * 1024;

    private static async Task<Results<Accepted<IngestResponse>, ValidationProblem, ProblemHttpResult>> Ingest(HttpContext context, ClaimsPrincipal producer, IngestService ingest)
    {
        // This endpoint bounds the body itself (Limits.MaxBatchBytes); the server's own limit only stops a drain.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = MaxDrainedBytes;
        var body = await PooledBody.ReadAsync(context.Request, Limits.MaxBatchBytes, context.RequestAborted);
        if (body is null)
        {
            if (!await PooledBody.DrainAsync(context.Request, MaxDrainedBytes, context.RequestAborted)) context.Response.Headers.Connection = "close";
            return Problems.Status(StatusCodes.Status413PayloadTooLarge,
                $"A batch may be at most {Limits.MaxBatchBytes} bytes; split it into smaller batches.", "Payload Too Large");
        }
        using (body)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body.Memory, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            }
            catch (JsonException ex)
            {
                return Problems.Invalid("body", $"The body is not valid JSON: {ex.Message}");
            }
            using (document)
            {
                var outcome = await ingest.IngestAsync(producer.TenantId(), document.RootElement, path: "");
                return ToResult(context, outcome);
            }
        }
    }

    /// <summary>The HTTP answer for an ingest outcome.</summary>
    public static Results<Accepted<IngestResponse>, ValidationProblem, ProblemHttpResult> ToResult(HttpContext context, IngestOutcome outcome)
    {
        switch (outcome)
        {
            case IngestOutcome.Accepted a:
                return TypedResults.Accepted((string?)null, new IngestResponse(a.Count, a.Duplicates));
            case IngestOutcome.Invalid i:
                return Problems.Invalid(i.Errors, i.BadEvents == 1
                    ? "1 event is invalid; nothing of the batch was stored."
                    : $"{i.BadEvents} events are invalid; nothing of the batch was stored.");
            case IngestOutcome.Paused p:
                return TypedResults.Problem(detail: p.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                    extensions: new Dictionary<string, object?> { ["accepted"] = p.Stored, ["duplicates"] = p.Duplicates, ["refusal"] = p.Refusal });
            case IngestOutcome.Limited l:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(l.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Status(StatusCodes.Status429TooManyRequests, l.Reason, "Too Many Requests");
            case IngestOutcome.Unavailable u:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(u.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, u.Reason, "Service Unavailable");
            default:
                throw new InvalidOperationException($"Unknown ingest outcome {outcome}.");
        }
    }
}

/// <summary>
/// A request body read into a buffer rented from the shared pool, sized by the request: a fresh array per request
/// would land on the large-object heap for big batches, and one of the largest size per request would exhaust the
/// pool under many small ones.
/// </summary>
internal sealed class PooledBody : IDisposable
{
    private byte[] _buffer;
    private int _length;

    private PooledBody(int size) => _buffer = ArrayPool<byte>.Shared.Rent(size);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<PooledBody?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        // One byte more than announced, so the end shows without a second buffer.
        var body = new PooledBody(request.ContentLength is { } announced ? (int)announced + 1 : 16 * 1024);
        try
        {
            while (body._length <= limit)
            {
                if (body._length == body._buffer.Length) body.Grow(Math.Min(body._buffer.Length * 2, limit + 1));
                var read = await request.Body.ReadAsync(body._buffer.AsMemory(body._length), cancellationToken);
                if (read == 0) return body;
                body._length += read;
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
        body.Dispose();
        return null;
    }

    /// <summary>
    /// Reads and discards the rest of a body (up to <paramref name="max"/> bytes in all, for at most ten seconds);
    /// answers whether it came to its end.
    /// </summary>
    public static async Task<bool> DrainAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max) return false;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            long total = 0;
            while (total <= max)
            {
                var read = await request.Body.ReadAsync(buffer, timeout.Token);
                if (read == 0) return true;
                total += read;
            }
            return false;
        }
        catch (Exception ex) when (ex is OperationCanceledException or BadHttpRequestException or IOException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

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
            .Produces<IngestResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return api;
    }

    private static async Task<IResult> Ingest(HttpContext context, ClaimsPrincipal producer, IngestService ingest)
    {
        var body = await ReadBodyAsync(context.Request, Limits.MaxBatchBytes, context.RequestAborted);
        if (body is null)
        {
            return Problems.Status(StatusCodes.Status413PayloadTooLarge,
                $"A batch may be at most {Limits.MaxBatchBytes} bytes; split it into smaller batches.", "Payload Too Large");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Value, new JsonDocumentOptions { MaxDepth = 16 });
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

    /// <summary>The HTTP answer for an ingest outcome.</summary>
    public static IResult ToResult(HttpContext context, IngestOutcome outcome)
    {
        switch (outcome)
        {
            case IngestOutcome.Accepted a:
                return TypedResults.Json(new IngestResponse(a.Count, a.Duplicates), LiveJson.Options, statusCode: StatusCodes.Status202Accepted);
            case IngestOutcome.Invalid i:
                return Problems.Invalid(i.Errors, i.BadEvents == 1
                    ? "1 event is invalid; nothing of the batch was stored."
                    : $"{i.BadEvents} events are invalid; nothing of the batch was stored.");
            case IngestOutcome.Paused p:
                return TypedResults.Problem(detail: p.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                    extensions: new Dictionary<string, object?> { ["accepted"] = p.Stored, ["duplicates"] = p.Duplicates });
            case IngestOutcome.Limited l:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(l.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Status(StatusCodes.Status429TooManyRequests, l.Reason, "Too Many Requests");
            default:
                throw new InvalidOperationException($"Unknown ingest outcome {outcome}.");
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length ? (int)length : 16 * 1024);
        while (true)
        {
            var memory = buffer.GetMemory(8 * 1024);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
        return buffer.WrittenMemory;
    }
}

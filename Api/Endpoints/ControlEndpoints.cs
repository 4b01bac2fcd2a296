using System.ComponentModel;
using System.Text.Json;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Live;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using Microsoft.AspNetCore.Mvc;

namespace LiveOrleans.Api.Endpoints;

/// <summary>The query of the control stream.</summary>
/// <param name="AccessToken">Read by the authentication handler (<see cref="ApiKeyAuthenticationHandler"/>), not by the endpoint; declared so that it is documented and let through.</param>
public sealed record ControlQuery(
    [FromQuery(Name = "lastEventId")][property: Description("Resume after this command (for clients that cannot send the Last-Event-ID header).")] QueryNumber? LastEventId,
    [FromQuery(Name = "access_token")][property: Description("The API key, for clients that cannot send headers (EventSource); prefer X-Api-Key where you can, as a URL may be logged on its way.")] string? AccessToken);

/// <summary>The control stream as Server-Sent Events, for producers without a SignalR client.</summary>
public static class ControlEndpoints
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapControlEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/control").WithTags("Control").RequireAuthorization(LiveClaims.ProducerPolicy);
        group.MapGet("", Stream)
            .WithSummary("Control commands as Server-Sent Events; Last-Event-ID resumes after the last one seen. Unacknowledged commands are sent again.");
        group.MapPost("/{interventionId}/ack", Acknowledge).WithSummary("Acknowledges a control command; it is not sent again.");
        return api;
    }

    private static async Task Stream(HttpContext context, [AsParameters] ControlQuery query, ClaimsPrincipal producer, ControlStreams streams, IControlOutbox outbox, IHostApplicationLifetime lifetime)
    {
        // A stream ends when its client goes, or when the engine starts stopping (the web server waits for open requests).
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ending.Token;
        var tenant = producer.TenantId();
        var lastSeen = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), out var header) ? header
            : long.TryParse(query.LastEventId?.Text, out var resume) ? resume : 0;
        // Listening before reading the outbox, so nothing falls between the two.
        var (reader, handle) = await streams.OpenAsync(tenant);
        await using var _ = handle;
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.WriteAsync(": LiveOrleans control stream\n\n", aborted);
            foreach (var command in await outbox.PendingAsync(tenant, lastSeen))
            {
                await WriteAsync(context, command, aborted);
                lastSeen = command.Sequence;
            }
            while (!aborted.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                wait.CancelAfter(KeepAlive);
                try
                {
                    var command = await reader.ReadAsync(wait.Token);
                    if (command.Sequence <= lastSeen) continue;
                    await WriteAsync(context, command, aborted);
                    lastSeen = command.Sequence;
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task WriteAsync(HttpContext context, ControlCommand command, CancellationToken aborted)
    {
        var json = JsonSerializer.Serialize(ControlPayload.From(command), LiveJson.Options);
        await context.Response.WriteAsync($"id: {command.Sequence}\nevent: control\ndata: {json}\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Acknowledge(string interventionId, ClaimsPrincipal producer, IControlOutbox outbox)
    {
        if (!Limits.IsId(interventionId)) return Problems.NotFound($"Control command '{interventionId}'");
        return await outbox.AcknowledgeAsync(producer.TenantId(), interventionId)
            ? TypedResults.NoContent()
            : Problems.NotFound($"A pending control command '{interventionId}'");
    }
}

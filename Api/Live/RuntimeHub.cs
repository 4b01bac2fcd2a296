using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Endpoints;
using LiveOrleans.Api.Ingest;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>
/// <c>/hubs/runtime</c>: producers publish events over one persistent connection, with exactly the rules of
/// <c>POST /api/v1/events</c> (validation of the whole batch, idempotent ids, durable acknowledgement), and receive
/// the control commands of their tenant's interventions until they acknowledge them.
/// </summary>
[Authorize(Policy = LiveClaims.ProducerPolicy)]
public sealed class RuntimeHub(IngestService ingest, ControlStreams control, IControlOutbox outbox, IHubContext<RuntimeHub, IRuntimeClient> self, HubAccessWatch access) : Hub<IRuntimeClient>
{
    private static readonly ConcurrentDictionary<string, IAsyncDisposable> Listening = new(StringComparer.Ordinal);

    /// <summary>Starts receiving the tenant's control commands: every one not acknowledged yet, oldest first, then each new one.</summary>
    public override async Task OnConnectedAsync()
    {
        var tenant = Context.User!.TenantId();
        // Listening first, then the outbox: nothing falls between the two (a command may come twice; producers key on its id).
        var caller = self.Clients.Client(Context.ConnectionId);
        Listening[Context.ConnectionId] = await control.JoinAsync(tenant, command => _ = caller.control(ControlPayload.From(command)));
        foreach (var command in await outbox.PendingAsync(tenant, 0)) await Clients.Caller.control(ControlPayload.From(command));
        access.WatchProducer(Context);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        access.Forget(Context.ConnectionId);
        if (Listening.TryRemove(Context.ConnectionId, out var listening)) await listening.DisposeAsync();
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Acknowledges a control command: it is not sent again. Unknown or already acknowledged ids are an error.</summary>
    [HubMethodName(RuntimeHubMethods.Ack)]
    public async Task Ack(string interventionId)
    {
        if (!Limits.IsId(interventionId) || !await outbox.AcknowledgeAsync(Context.User!.TenantId(), interventionId))
            throw new HubException($"No pending control command '{interventionId}'.");
    }

    /// <summary>Answers <c>{accepted, duplicates}</c> once the events are durably stored; a refused batch rejects the call with the reasons.</summary>
    [HubMethodName(RuntimeHubMethods.Publish)]
    public async Task<IngestResponse> Publish(JsonElement events)
    {
        if (JsonMarshal.GetRawUtf8Value(events).Length > Limits.MaxBatchBytes)
            throw new HubException($"A batch may be at most {Limits.MaxBatchBytes} bytes; split it into smaller batches.");
        var outcome = await ingest.IngestAsync(Context.User!.TenantId(), events, "events");
        return outcome switch
        {
            IngestOutcome.Accepted a => new IngestResponse(a.Count, a.Duplicates),
            IngestOutcome.Invalid i => throw new HubException(
                $"{i.BadEvents} event(s) invalid; nothing of the batch was stored. "
                + string.Join(" ", i.Errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))),
            IngestOutcome.Paused p => throw new HubException($"{p.Refusal}: {p.Detail}"),
            IngestOutcome.Limited l => throw new HubException($"{l.Reason} (retry after {Math.Max(1, (int)Math.Ceiling(l.RetryAfter.TotalSeconds))} s)"),
            IngestOutcome.Unavailable u => throw new HubException($"{u.Reason} (retry after {Math.Max(1, (int)Math.Ceiling(u.RetryAfter.TotalSeconds))} s)"),
            _ => throw new HubException("The batch was not accepted."),
        };
    }
}

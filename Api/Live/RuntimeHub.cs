using System.Runtime.InteropServices;
using System.Text.Json;
using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Endpoints;
using LiveOrleans.Api.Ingest;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Live;

/// <summary>
/// <c>/hubs/runtime</c>: producers publish events over one persistent connection, with exactly the rules of
/// <c>POST /api/v1/events</c> (validation of the whole batch, idempotent ids, durable acknowledgement).
/// </summary>
[Authorize(Policy = LiveClaims.ProducerPolicy)]
public sealed class RuntimeHub(IngestService ingest, Hosting.LiveEngine engine, TimeProvider time) : Hub
{
    public static string GroupOf(string tenant) => $"runtime|{tenant}";

    /// <summary>Joins the tenant's producers and receives every control command not acknowledged yet, oldest first.</summary>
    public override async Task OnConnectedAsync()
    {
        var tenant = Context.User!.TenantId();
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(tenant));
        var pending = await engine.QueryAsync(tenant, (_, g) => g.FindGrain<Grains.TenantGrain>(tenant, Grains.TenantGrain.DirectoryKey)?.PendingControl.ToArray() ?? []);
        foreach (var command in pending) await Clients.Caller.SendAsync("control", ControlPayload.From(command));
        await base.OnConnectedAsync();
    }

    /// <summary>Acknowledges a control command: it is not sent again. Unknown or already acknowledged ids are an error.</summary>
    public async Task Ack(string interventionId)
    {
        if (!Validation.Limits.IsId(interventionId) || !await ControlPayload.AcknowledgeAsync(engine, Context.User!.TenantId(), interventionId, time))
            throw new HubException($"No pending control command '{interventionId}'.");
    }

    /// <summary>Answers <c>{accepted, duplicates}</c> once the events are durably stored; a refused batch rejects the call with the reasons.</summary>
    public async Task<IngestResponse> Publish(JsonElement events)
    {
        if (JsonMarshal.GetRawUtf8Value(events).Length > Validation.Limits.MaxBatchBytes)
            throw new HubException($"A batch may be at most {Validation.Limits.MaxBatchBytes} bytes; split it into smaller batches.");
        var outcome = await ingest.IngestAsync(Context.User!.TenantId(), events, "events");
        return outcome switch
        {
            IngestOutcome.Accepted a => new IngestResponse(a.Count, a.Duplicates),
            IngestOutcome.Invalid i => throw new HubException(
                $"{i.BadEvents} event(s) invalid; nothing of the batch was stored. "
                + string.Join(" ", i.Errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))),
            IngestOutcome.Paused p => throw new HubException(p.Detail),
            IngestOutcome.Limited l => throw new HubException($"{l.Reason} (retry after {Math.Max(1, (int)Math.Ceiling(l.RetryAfter.TotalSeconds))} s)"),
            _ => throw new HubException("The batch was not accepted."),
        };
    }
}

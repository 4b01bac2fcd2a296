using LiveOrleans.Live;
using Orleans.Streams;

namespace LiveOrleans.Grains.Presence;

/// <summary>
/// Who watches the tenant's sessions, across Api nodes (see <see cref="IPresenceGrain"/> and docs/decisions.md,
/// "Presence"). In memory only; publishes every change of a session's watchers on the tenant stream.
/// </summary>
/// <param name="leaseClock">
/// The process's clock (Orleans' own, not the engine's <see cref="LiveTime"/> clock, which tests move): leases are
/// about processes, renewed on the Api hosts' timers, and versions must order activations across silos.
/// </param>
[TenantPlacement]
public sealed partial class PresenceGrain(TimeProvider leaseClock, ILogger<PresenceGrain> logger) : Grain, IPresenceGrain
{
    /// <summary>How often ended leases are looked for.</summary>
    private static readonly TimeSpan ExpiryCheck = TimeSpan.FromSeconds(1);

    // Versions start at the activation's time (in ticks), so a later activation's versions are above every earlier one's.
    private readonly PresenceBook _book = new(leaseClock.GetUtcNow().UtcTicks);
    private IAsyncStream<TenantStreamItem>? _stream;

    private DateTimeOffset Now => leaseClock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(LiveStreams.Provider).GetStream<TenantStreamItem>(StreamId.Create(LiveStreams.Tenant, this.GetPrimaryKeyString()));
        this.RegisterGrainTimer(() => PublishAsync(_book.Expire(Now)), ExpiryCheck, ExpiryCheck);
        return Task.CompletedTask;
    }

    public async Task<PresenceChanged> Join(string node, PresenceWatch watch, TimeSpan lease)
    {
        await PublishAsync(_book.Join(node, watch, Now + lease));
        return _book.Of(watch.SessionId);
    }

    public Task Leave(string node, string connectionId, string sessionId) => PublishAsync(_book.Leave(node, connectionId, sessionId));

    public async Task<PresenceSnapshot> Renew(string node, IReadOnlyList<PresenceWatch> watches, TimeSpan lease)
    {
        await PublishAsync(_book.Renew(node, watches, Now + lease));
        return _book.Snapshot();
    }

    private async Task PublishAsync(IReadOnlyList<PresenceChanged> changes)
    {
        foreach (var change in changes)
        {
            try
            {
                await _stream!.OnNextAsync(change);
            }
            catch (Exception ex)
            {
                // The hosts mend a lost change at their next renewal, which answers every session's list.
                Log.PublishFailed(logger, this.GetPrimaryKeyString(), change.SessionId, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Presence of tenant {Tenant}: the change of session {SessionId} could not be published; hosts take it at their next renewal.")]
        public static partial void PublishFailed(ILogger logger, string tenant, string sessionId, Exception ex);
    }
}

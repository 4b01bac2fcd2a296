using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Core.Internal;

namespace LiveOrleans.Grains.Placement;

/// <summary>
/// Moves a silo's tenants to their new owner when the cluster's silos change (docs/cluster.md, "When silos join or
/// leave"). <see cref="TenantPlacementDirector"/> places only new activations; without this, a tenant that a joining
/// silo now owns would stay where its grains already live until they deactivate. After each change of the active
/// silos (and <see cref="LiveOptions.RebalanceDelay"/> for membership to settle), this silo asks each of its
/// activations of a tenant-placed grain whose tenant is now owned elsewhere to migrate (Orleans' <c>MigrateOnIdle</c>:
/// the grain finishes its current call, runs <c>OnDeactivateAsync</c> — snapshots written — and is activated on the
/// silo the director picks, with its persistent state carried along). Tenant after tenant, at most
/// <see cref="LiveOptions.RebalanceConcurrency"/> grains at a time, each awaited until it has left, so a large tenant
/// keeps being served while it moves.
/// </summary>
/// <remarks>
/// Orleans' working set tells which activations this silo holds (<see cref="IActivationWorkingSetObserver"/>); what a
/// migration does not carry is rebuilt exactly as after a deactivation: a session replays its log after the snapshot,
/// a derived grain loads its clean snapshot and rows.
/// </remarks>
public sealed partial class TenantRebalancer(IServiceProvider services, IOptions<LiveOptions> options, ILogger<TenantRebalancer> logger)
    : IActivationWorkingSetObserver, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private static readonly ConcurrentDictionary<Type, bool> Placed = new();

    /// <summary>How long a grain asked to migrate is waited for before the next one is asked in its place.</summary>
    private static readonly TimeSpan LeaveWait = TimeSpan.FromSeconds(10);

    /// <summary>Passes after one change of the silos while some grains stay on a silo that does not own them.</summary>
    private const int MaxPasses = 10;

    private readonly LiveOptions _options = options.Value;
    private readonly ConcurrentDictionary<IGrainContext, byte> _local = new();
    private readonly ConcurrentDictionary<GrainId, TaskCompletionSource> _leaving = new();
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private volatile SiloAddress[] _active = [];
    private Task? _run;

    void IActivationWorkingSetObserver.OnAdded(IActivationWorkingSetMember member) => Track(member);

    void IActivationWorkingSetObserver.OnActive(IActivationWorkingSetMember member) => Track(member);

    void IActivationWorkingSetObserver.OnDeactivating(IActivationWorkingSetMember member) => Forget(member);

    void IActivationWorkingSetObserver.OnDeactivated(IActivationWorkingSetMember member)
    {
        Forget(member);
        if (member is IGrainContext context && _leaving.TryRemove(context.GrainId, out var left)) left.TrySetResult();
    }

    // Idle members leave Orleans' working set but stay activated: they are still this silo's to move.
    void IActivationWorkingSetObserver.OnEvicted(IActivationWorkingSetMember member) { }

    private void Track(IActivationWorkingSetMember member)
    {
        if (member is IGrainContext context) _local.TryAdd(context, 0);
    }

    private void Forget(IActivationWorkingSetMember member)
    {
        if (member is IGrainContext context) _local.TryRemove(context, out _);
    }

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle)
        => lifecycle.Subscribe(nameof(TenantRebalancer), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _run = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_run is { } run) await run.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Called by the container after the silo stopped, so after <see cref="Stop"/> ended the loop.</summary>
    public void Dispose()
    {
        _stopping.Dispose();
        _changed.Dispose();
    }

    private async Task RunAsync()
    {
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var watching = WatchAsync(membership);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await _changed.WaitAsync(_stopping.Token);
                // Let membership settle (silos learn of the change a moment apart, the grain directory hands over ranges),
                // then look again while grains stayed: the director counts a silo only once its grain types are known
                // here (the cluster manifest), which can lag its joining.
                for (var pass = 0; pass < MaxPasses && !_stopping.IsCancellationRequested; pass++)
                {
                    await Task.Delay(_options.RebalanceDelay, _stopping.Token);
                    try
                    {
                        if (await RebalanceAsync() == 0) break;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.Failed(logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchAsync(IClusterMembershipService membership)
    {
        var known = new HashSet<SiloAddress>();
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(_stopping.Token))
        {
            var active = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToArray();
            if (active.Length == 0 || known.SetEquals(active)) continue;
            var first = known.Count == 0;
            known = [.. active];
            _active = active;
            // The first view is the one this silo started with: nothing of it was placed by another view.
            if (first) continue;
            if (_changed.CurrentCount == 0)
            {
                try { _changed.Release(); } catch (SemaphoreFullException) { }
            }
        }
    }

    /// <summary>
    /// Asks every local activation of a tenant now owned by another active silo to migrate, tenant by tenant; answers
    /// how many stayed here.
    /// </summary>
    private async Task<int> RebalanceAsync()
    {
        if (_options.RebalanceConcurrency <= 0) return 0;
        var here = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var grains = services.GetRequiredService<IGrainFactory>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var active = _active;
        var owners = new Dictionary<string, SiloAddress>(StringComparer.Ordinal);
        var moving = new List<(string Tenant, IGrainContext Grain)>();
        foreach (var context in _local.Keys)
        {
            if (context.GrainInstance is not { } instance || !IsTenantPlaced(instance.GetType())) continue;
            var tenant = System.Text.Encoding.UTF8.GetString(TenantOwnership.TenantOf(context.GrainId));
            if (!owners.TryGetValue(tenant, out var owner)) owners[tenant] = owner = TenantOwnership.Owner(tenant, active);
            if (!owner.Equals(here)) moving.Add((tenant, context));
        }
        if (moving.Count == 0) return 0;

        var tenants = moving.Select(m => m.Tenant).Distinct().Count();
        Log.Moving(logger, moving.Count, tenants);
        var stayed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.RebalanceConcurrency, CancellationToken = _stopping.Token };
        // Tenant by tenant, so each tenant is split between two silos for as short a time as its own grains take.
        await Parallel.ForEachAsync(moving.OrderBy(m => m.Tenant, StringComparer.Ordinal).Select(m => m.Grain), parallel, async (context, cancellation) =>
        {
            if (!_local.ContainsKey(context)) return; // it left by itself meanwhile
            var left = _leaving.GetOrAdd(context.GrainId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                // Through the grain's own queue: it migrates once its current calls are done, to the silo the director
                // picks. Once the call is answered the grain has begun to leave (it left the working set), or it stays.
                await grains.GetGrain(context.GrainId).AsReference<IGrainManagementExtension>().MigrateOnIdle(cancellation);
                if (_local.ContainsKey(context))
                {
                    Interlocked.Increment(ref stayed);
                    _leaving.TryRemove(context.GrainId, out _);
                    return;
                }
                await left.Task.WaitAsync(LeaveWait, cancellation);
            }
            catch (TimeoutException)
            {
                // Still deactivating (a long snapshot write): the next grain goes meanwhile.
                _leaving.TryRemove(context.GrainId, out _);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref stayed);
                _leaving.TryRemove(context.GrainId, out _);
                Log.GrainFailed(logger, context.GrainId.ToString(), ex);
            }
        });
        Log.Moved(logger, moving.Count - stayed, tenants, stayed, started.Elapsed.TotalSeconds);
        return stayed;
    }

    private static bool IsTenantPlaced(Type type) => Placed.GetOrAdd(type, t => t.GetCustomAttribute<TenantPlacementAttribute>() is not null);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Silos changed: moving {Grains} activations of {Tenants} tenants to their new owners.")]
        public static partial void Moving(ILogger logger, int grains, int tenants);

        [LoggerMessage(2, LogLevel.Information, "Moved {Grains} activations of {Tenants} tenants ({Stayed} stayed) in {Seconds:F2} s.")]
        public static partial void Moved(ILogger logger, int grains, int tenants, int stayed, double seconds);

        [LoggerMessage(3, LogLevel.Warning, "{Grain} could not be asked to move; the next pass tries again.")]
        public static partial void GrainFailed(ILogger logger, string grain, Exception ex);

        [LoggerMessage(4, LogLevel.Error, "Moving tenants to their new owners failed; the next change of the silos tries again.")]
        public static partial void Failed(ILogger logger, Exception ex);
    }
}

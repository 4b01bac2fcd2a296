using System.Diagnostics;
using System.Text.Json;
using LiveOrleans.Client;
using LiveOrleans.Events;

namespace LiveOrleans.Simulator;

/// <summary>What a run did.</summary>
public sealed record RunReport(long Sent, long Accepted, long Duplicates, long Errors, TimeSpan Elapsed, int Controls)
{
    public double Rate => Elapsed.TotalSeconds > 0 ? Sent / Elapsed.TotalSeconds : 0;

    public override string ToString()
        => $"sent {Sent:N0} events in {Elapsed.TotalSeconds:F1} s ({Rate:N0}/s), accepted {Accepted:N0}, duplicates {Duplicates:N0}, errors {Errors:N0}, control commands obeyed {Controls}";
}

/// <summary>
/// Plays a <see cref="TrafficModel"/> against an engine through the .NET SDK (LiveOrleans.Client), as a producer
/// would: events with each tenant's API key (<see cref="LiveOrleansProducer"/>: batches, retries), control commands
/// obeyed and acknowledged through a <see cref="LiveOrleansRuntime"/> (the runtime hub, or the Server-Sent-Events
/// stream when the hub cannot be reached). Events are stamped with the time they are sent.
/// </summary>
public sealed class SimulationRunner(HttpClient http, IReadOnlyList<string> tenantKeys, TrafficModel model)
{
    public const int MaxBatch = 500;
    private readonly LiveOrleansProducer[] _producers = [.. tenantKeys.Select(k => new LiveOrleansProducer(http, Options(http, k)))];

    /// <summary>The SDK's options for a tenant: a load generator retries for a short while only, and takes commands over the hub when it can.</summary>
    private static LiveOrleansClientOptions Options(HttpClient http, string key) => new()
    {
        BaseAddress = http.BaseAddress, ApiKey = key, MaxBatchEvents = MaxBatch, RetryFor = TimeSpan.FromSeconds(10),
    };
    private readonly Lock _modelLock = new();
    private long _sent, _accepted, _duplicates, _errors;
    private int _controls;

    /// <summary>Real time, <paramref name="speed"/> times faster (the model's delays shrink), until the duration (or <see cref="Timeout.InfiniteTimeSpan"/>) or cancellation.</summary>
    public async Task<RunReport> RunAsync(TimeSpan duration, double speed, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var control = new List<LiveOrleansRuntime>();
        for (var t = 0; t < tenantKeys.Count; t++)
        {
            var tenant = t;
            var runtime = new LiveOrleansRuntime(http, Options(http, tenantKeys[t]), _producers[t], (command, _) => ObeyAsync(tenant, command));
            await runtime.StartAsync(stop.Token);
            control.Add(runtime);
        }
        var clock = Stopwatch.StartNew();
        var start = model.Now;
        try
        {
            while ((duration == Timeout.InfiniteTimeSpan || clock.Elapsed < duration) && !stop.IsCancellationRequested)
            {
                List<TrafficEvent> due;
                lock (_modelLock) due = model.Advance(start + clock.Elapsed * speed);
                await SendAsync(due, wait: true);
                await Task.Delay(100, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var runtime in control) await runtime.DisposeAsync();
        }
        return Report(clock.Elapsed);
    }

    /// <summary>Open loop at a fixed rate: batches leave on schedule whether or not earlier ones were answered.</summary>
    public async Task<RunReport> RunAtRateAsync(int eventsPerSecond, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        long taken = 0;
        while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * eventsPerSecond) - taken;
            if (due > 0)
            {
                List<TrafficEvent> events;
                lock (_modelLock) events = model.Take((int)Math.Min(due, 10 * MaxBatch));
                taken += events.Count;
                inFlight.Add(SendAsync(events, wait: false));
            }
            await Task.Delay(10, CancellationToken.None);
        }
        await Task.WhenAll(inFlight);
        return Report(clock.Elapsed);
    }

    private RunReport Report(TimeSpan elapsed) => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _accepted), Interlocked.Read(ref _duplicates),
        Interlocked.Read(ref _errors), elapsed, Volatile.Read(ref _controls));

    private async Task SendAsync(List<TrafficEvent> events, bool wait)
    {
        var now = DateTimeOffset.UtcNow;
        var posts = new List<Task>();
        foreach (var tenant in events.GroupBy(e => e.Tenant))
        {
            foreach (var chunk in tenant.Select(e => e.Event with { Timestamp = now }).Chunk(MaxBatch))
            {
                posts.Add(PostAsync(tenant.Key, chunk));
            }
        }
        if (wait) await Task.WhenAll(posts);
        else await Task.WhenAll(posts).ConfigureAwait(false);
    }

    private async Task PostAsync(int tenant, LiveEvent[] events)
    {
        Interlocked.Add(ref _sent, events.Length);
        try
        {
            var result = await _producers[tenant].SendAsync(events);
            Interlocked.Add(ref _accepted, result.Accepted);
            Interlocked.Add(ref _duplicates, result.Duplicates);
        }
        catch (SessionPausedException paused)
        {
            // A session paused between the command and the model's obedience: its share is refused, the rest stored.
            Interlocked.Add(ref _accepted, paused.Accepted);
            Interlocked.Add(ref _duplicates, paused.Duplicates);
            Interlocked.Add(ref _errors, events.Length - paused.Accepted - paused.Duplicates);
        }
        catch (Exception ex) when (ex is LiveOrleansException or HttpRequestException or IOException or TaskCanceledException)
        {
            Interlocked.Add(ref _errors, events.Length);
        }
    }

    /// <summary>Obeys a control command for the tenant's sessions, as the runtime of its agents would (the SDK acknowledges it).</summary>
    private Task ObeyAsync(int tenant, ControlCommand command)
    {
        lock (_modelLock)
        {
            model.Control(tenant, command.Type, command.SessionId, command.InterventionId, command.Content,
                command.Target is { ValueKind: JsonValueKind.Object } target && target.TryGetProperty("agentId", out var agent) && agent.ValueKind == JsonValueKind.String ? agent.GetString() : null);
        }
        Interlocked.Increment(ref _controls);
        return Task.CompletedTask;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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
/// Plays a <see cref="TrafficModel"/> against an engine through its public doors only: <c>POST /api/v1/events</c>
/// with each tenant's API key, and the control stream (<c>GET /api/v1/control</c>, Server-Sent Events) whose
/// commands it obeys and acknowledges. Events are stamped with the time they are sent.
/// </summary>
public sealed class SimulationRunner(HttpClient http, IReadOnlyList<string> tenantKeys, TrafficModel model)
{
    public const int MaxBatch = 500;
    private readonly Lock _modelLock = new();
    private long _sent, _accepted, _duplicates, _errors;
    private int _controls;

    /// <summary>Real time, <paramref name="speed"/> times faster (the model's delays shrink), until the duration (or <see cref="Timeout.InfiniteTimeSpan"/>) or cancellation.</summary>
    public async Task<RunReport> RunAsync(TimeSpan duration, double speed, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var control = Enumerable.Range(0, tenantKeys.Count).Select(t => ObeyControlAsync(t, stop.Token)).ToArray();
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
            await Task.WhenAll(control);
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
                posts.Add(PostAsync(tenantKeys[tenant.Key], chunk));
            }
        }
        if (wait) await Task.WhenAll(posts);
        else await Task.WhenAll(posts).ConfigureAwait(false);
    }

    private async Task PostAsync(string key, LiveEvent[] events)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { events }, LiveJson.Options), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", key);
        Interlocked.Add(ref _sent, events.Length);
        try
        {
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                Interlocked.Add(ref _errors, events.Length);
                return;
            }
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Interlocked.Add(ref _accepted, body.GetProperty("accepted").GetInt32());
            Interlocked.Add(ref _duplicates, body.GetProperty("duplicates").GetInt32());
        }
        catch (HttpRequestException)
        {
            Interlocked.Add(ref _errors, events.Length);
        }
    }

    /// <summary>Reads the tenant's control stream, obeys each command and acknowledges it; reconnects until stopped.</summary>
    private async Task ObeyControlAsync(int tenant, CancellationToken stop)
    {
        var lastId = "";
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/control");
                request.Headers.Add("X-Api-Key", tenantKeys[tenant]);
                if (lastId.Length > 0) request.Headers.Add("Last-Event-ID", lastId);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                string? id = null, data = null;
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                    else if (line.Length == 0 && data is not null)
                    {
                        await ObeyAsync(tenant, data, stop);
                        lastId = id ?? lastId;
                        id = data = null;
                    }
                }
            }
            catch (OperationCanceledException) { return; }
            catch (Exception ex) when (ex is HttpRequestException or IOException) { }
            await Task.Delay(1000, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ObeyAsync(int tenant, string json, CancellationToken stop)
    {
        var command = JsonDocument.Parse(json).RootElement;
        var interventionId = command.GetProperty("interventionId").GetString()!;
        string? Text(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        lock (_modelLock)
        {
            model.Control(tenant, command.GetProperty("type").GetString()!, command.GetProperty("sessionId").GetString()!, interventionId,
                Text(command, "content"), command.TryGetProperty("target", out var target) ? Text(target, "agentId") : null);
        }
        Interlocked.Increment(ref _controls);
        using var ack = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/control/{interventionId}/ack");
        ack.Headers.Add("X-Api-Key", tenantKeys[tenant]);
        using var _ = await http.SendAsync(ack, stop);
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using LiveOrleans.Events;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Polly;
using Polly.Retry;

namespace LiveOrleans.Client;

/// <summary>A control command: what the producer running a session's agent must do after a supervisor's intervention.</summary>
/// <param name="InterventionId">The intervention's id: acknowledged once handled; a command seen twice has the same one.</param>
/// <param name="SessionId">The session concerned.</param>
/// <param name="AgentId">The agent that ran the session when the supervisor intervened.</param>
/// <param name="Type">pause, resume, system_message, override, transfer, reassign, guide, takeover or handback.</param>
/// <param name="Content">The text of a system message or an override, or a guidance's or handback's note to the agent (never for the customer).</param>
/// <param name="Target">A transfer's <c>{agentId}</c> or <c>{queue}</c>, a reassignment's <c>{ownerId, teamId}</c>, a takeover's <c>{userId, name}</c>.</param>
public sealed record ControlCommand(string InterventionId, string SessionId, string? AgentId, string Type, string? Content, JsonElement? Target);

/// <summary>
/// A producer's connection to the engine: publishes events over the <c>/hubs/runtime</c> hub while it is connected
/// (over HTTP otherwise, and over HTTP again when the hub refuses a batch, so a refusal is typed), and hands each
/// control command to the handler given at construction, acknowledging it once the handler returns. Without the hub
/// (it cannot connect, or <see cref="LiveOrleansClientOptions.UseHub"/> is off) commands come from the
/// Server-Sent-Events stream <c>GET /api/v1/control</c>, resumed with Last-Event-ID. A command may come twice (after
/// a reconnection); the handler sees each once per runtime.
/// </summary>
public sealed class LiveOrleansRuntime : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly LiveOrleansClientOptions _options;
    private readonly Func<ControlCommand, CancellationToken, Task> _onControl;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _handled = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _serial = new(1, 1);
    private HubConnection? _hub;
    private Task _sse = Task.CompletedTask;

    /// <param name="http">An HttpClient whose BaseAddress is the engine's.</param>
    /// <param name="options">The producer's options (address, key, whether to use the hub).</param>
    /// <param name="producer">HTTP publishing, for when the hub is not there.</param>
    /// <param name="onControl">Does what a command says; the command is acknowledged when it returns (an exception leaves it pending, to come again).</param>
    public LiveOrleansRuntime(HttpClient http, LiveOrleansClientOptions options, LiveOrleansProducer producer, Func<ControlCommand, CancellationToken, Task> onControl)
    {
        _http = http;
        _options = options;
        _onControl = onControl;
        Producer = producer;
    }

    /// <summary>The HTTP producer this runtime falls back to.</summary>
    public LiveOrleansProducer Producer { get; }

    /// <summary>Whether the hub carries events and commands now.</summary>
    public bool HubConnected => _hub?.State == HubConnectionState.Connected;

    /// <summary>Connects: the hub, or the control stream when the hub cannot be reached.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_options.UseHub)
        {
            _hub = new HubConnectionBuilder()
                .WithUrl(new Uri(_options.BaseAddress!, "hubs/runtime"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(_options.ApiKey))
                .With(_options.HubProtocol, _ => { })
                .WithAutomaticReconnect(new ForeverRetry())
                .Build();
            _hub.On<JsonElement>(nameof(IRuntimeClient.control), payload => _ = HandleAsync(Parse(payload), viaHub: true));
            try
            {
                await _hub.StartAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or System.Net.WebSockets.WebSocketException)
            {
                await _hub.DisposeAsync();
                _hub = null;
            }
        }
        _sse = Task.Run(() => ListenAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Publishes events: over the hub when connected, else (or when the hub refuses) over HTTP with its retries and typed errors.</summary>
    public async Task<SendResult> PublishAsync(IReadOnlyList<LiveEvent> events, CancellationToken cancellationToken = default)
    {
        if (_hub is { State: HubConnectionState.Connected } hub && events.Count <= _options.MaxBatchEvents)
        {
            try
            {
                var answer = await hub.InvokeAsync<JsonElement>(RuntimeHubMethods.Publish, events, cancellationToken);
                return new SendResult(answer.GetProperty("accepted").GetInt32(), answer.GetProperty("duplicates").GetInt32(), 0);
            }
            catch (Exception ex) when (ex is Microsoft.AspNetCore.SignalR.HubException or InvalidOperationException or IOException)
            {
                // Refused, or the connection went: HTTP says exactly why (or stores it); the ids make the second send safe.
            }
        }
        return await Producer.SendAsync(events, cancellationToken);
    }

    private async Task HandleAsync(ControlCommand command, bool viaHub)
    {
        await _serial.WaitAsync();
        try
        {
            if (!_handled.Add(command.InterventionId)) return;
            await _onControl(command, _stop.Token);
            if (viaHub && _hub is { State: HubConnectionState.Connected } hub)
            {
                try
                {
                    await hub.InvokeAsync(RuntimeHubMethods.Ack, command.InterventionId, _stop.Token);
                    return;
                }
                catch (Exception ex) when (ex is Microsoft.AspNetCore.SignalR.HubException or InvalidOperationException or IOException) { }
            }
            using var ack = new HttpRequestMessage(HttpMethod.Post, $"api/v1/control/{Uri.EscapeDataString(command.InterventionId)}/ack");
            ack.Headers.Add("X-Api-Key", _options.ApiKey);
            using var _ = await _http.SendAsync(ack, _stop.Token);
        }
        catch (OperationCanceledException) { }
        finally
        {
            _serial.Release();
        }
    }

    /// <summary>
    /// Listens again a second after the control stream ended or failed (the engine stopping, a lost connection, an
    /// answer other than 200, a torn event), for as long as the runtime lives; only stopping ends it.
    /// </summary>
    private static readonly ResiliencePipeline Relisten = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromSeconds(1),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null or HttpRequestException or IOException or JsonException or OperationCanceledException),
        })
        .Build();

    /// <summary>The control stream as Server-Sent Events, resumed after the last command seen; reconnects until stopped.</summary>
    private async Task ListenAsync(CancellationToken stop)
    {
        var lastId = "";
        try
        {
            await Relisten.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/control");
                request.Headers.Add("X-Api-Key", _options.ApiKey);
                if (lastId.Length > 0) request.Headers.Add("Last-Event-ID", lastId);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(token));
                string? id = null, data = null;
                while (await reader.ReadLineAsync(token) is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                    else if (line.Length == 0 && data is not null)
                    {
                        await HandleAsync(Parse(JsonDocument.Parse(data).RootElement), viaHub: false);
                        lastId = id ?? lastId;
                        id = data = null;
                    }
                }
            }, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private static ControlCommand Parse(JsonElement payload)
    {
        string? Text(string name) => payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new ControlCommand(Text("interventionId") ?? "", Text("sessionId") ?? "", Text("agentId"), Text("type") ?? "",
            Text("content"), payload.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.Object ? t.Clone() : null);
    }

    /// <summary>Stops listening and closes the hub connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_hub is not null) await _hub.DisposeAsync();
        await _sse;
        _stop.Dispose();
    }

    /// <summary>Reconnects for as long as the runtime lives: 0, 1, 2, then every 5 seconds.</summary>
    private sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) => TimeSpan.FromSeconds(Math.Min(5, context.PreviousRetryCount));
    }
}

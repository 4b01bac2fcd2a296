namespace LiveOrleans.Client;

/// <summary>Where the engine is and how a producer talks to it (configuration section <c>LiveOrleans</c> by convention).</summary>
public sealed class LiveOrleansClientOptions
{
    /// <summary>The engine's address, e.g. <c>http://localhost:5080</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The tenant's ingest API key (a producer's credentials).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Events per request, at most the engine's 1,000.</summary>
    public int MaxBatchEvents { get; set; } = 500;

    /// <summary>
    /// How long a batch is retried after failures that may pass (429, 5xx, a connection that failed or reset) before
    /// <see cref="LiveOrleansProducer.SendAsync(IReadOnlyList{LiveOrleans.Events.LiveEvent}, CancellationToken)"/> gives up with the last error. The event ids make every retry safe.
    /// </summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The first wait after a failure without <c>Retry-After</c>; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two attempts (a <c>Retry-After</c> is honoured as sent).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether <see cref="LiveOrleansRuntime"/> publishes and takes control commands over the <c>/hubs/runtime</c> hub (true) or over HTTP and Server-Sent Events only.</summary>
    public bool UseHub { get; set; } = true;

    /// <summary>The hub's protocol: JSON (the default) or MessagePack, the same events and commands either way (see <see cref="LiveHubProtocol"/>).</summary>
    public LiveHubProtocol HubProtocol { get; set; } = LiveHubProtocol.Json;

    /// <summary>Every problem with the options, empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri || BaseAddress.Scheme is not ("http" or "https"))
            problems.Add("LiveOrleans:BaseAddress must be an absolute http or https address, such as http://localhost:5080.");
        if (string.IsNullOrWhiteSpace(ApiKey)) problems.Add("LiveOrleans:ApiKey is required: the tenant's ingest key.");
        if (MaxBatchEvents is < 1 or > 1_000) problems.Add("LiveOrleans:MaxBatchEvents must be from 1 to 1000.");
        if (RetryFor < TimeSpan.Zero) problems.Add("LiveOrleans:RetryFor must not be negative.");
        if (FirstRetryDelay <= TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay) problems.Add("LiveOrleans:FirstRetryDelay must be positive and at most MaxRetryDelay.");
        if (!Enum.IsDefined(HubProtocol)) problems.Add("LiveOrleans:HubProtocol must be Json or MessagePack.");
        return problems;
    }
}

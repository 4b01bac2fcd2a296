using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Client;

/// <summary>Registration of the SDK in one call.</summary>
public static class LiveOrleansServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LiveOrleansProducer"/> (and its <see cref="LiveOrleansClientOptions"/>, checked when the
    /// host starts: a wrong address or a missing key stops it with every problem named). A
    /// <see cref="LiveOrleansRuntime"/> is made with <see cref="CreateRuntime"/>, given the control handler.
    /// </summary>
    public static IServiceCollection AddLiveOrleansClient(this IServiceCollection services, Action<LiveOrleansClientOptions> configure)
    {
        services.AddOptions<LiveOrleansClientOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LiveOrleansClientOptions>, ProblemsValidator>();
        services.AddHttpClient(nameof(LiveOrleansProducer), (sp, http) => http.BaseAddress = sp.GetRequiredService<IOptions<LiveOrleansClientOptions>>().Value.BaseAddress);
        services.AddSingleton(sp => new LiveOrleansProducer(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(LiveOrleansProducer)), sp.GetRequiredService<IOptions<LiveOrleansClientOptions>>().Value));
        return services;
    }

    /// <summary>A runtime connection of the registered producer, with its control handler (start it with <see cref="LiveOrleansRuntime.StartAsync"/>).</summary>
    public static LiveOrleansRuntime CreateRuntime(this IServiceProvider services, Func<ControlCommand, CancellationToken, Task> onControl)
    {
        var options = services.GetRequiredService<IOptions<LiveOrleansClientOptions>>().Value;
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(LiveOrleansProducer));
        return new LiveOrleansRuntime(http, options, services.GetRequiredService<LiveOrleansProducer>(), onControl);
    }

    /// <summary>Names every problem of the options at once.</summary>
    private sealed class ProblemsValidator : IValidateOptions<LiveOrleansClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, LiveOrleansClientOptions options)
            => options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}

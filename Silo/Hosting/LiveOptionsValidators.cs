using System.Net;
using LiveOrleans.Storage;
using LiveOrleans.Views;
using Microsoft.Extensions.Options;

namespace LiveOrleans.Hosting;

/// <summary>
/// The settings' rules, one validator per section, each naming the key it refuses and listing every problem at once.
/// Bound options are checked when the host starts (<c>ValidateOnStart</c>); <see cref="StorageOptions"/> and
/// <see cref="OrleansHostOptions"/> decide what is registered, so they are checked where they are read.
/// </summary>
public static class LiveOptionsValidation
{
    /// <summary>The options, or <see cref="OptionsValidationException"/> with every problem <paramref name="validator"/> finds.</summary>
    public static T Checked<T>(T options, IValidateOptions<T> validator) where T : class
    {
        var result = validator.Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(T), result.Failures) : options;
    }

    /// <summary>Success when nothing was found, else every problem.</summary>
    public static ValidateOptionsResult Of(List<string> problems) => problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
}

/// <summary>Section <c>Storage</c>: a provider the engine knows.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var problems = new List<string>();
        if (!options.IsPostgreSql && !string.Equals(options.Provider, StorageOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
            problems.Add($"Storage:Provider '{options.Provider}' is not known: use Sqlite (embedded, the default) or PostgreSql (cluster mode).");
        return LiveOptionsValidation.Of(problems);
    }
}

/// <summary>Section <c>Orleans</c>: a known role, ports, an address, a positive time-out.</summary>
public sealed class OrleansHostOptionsValidator : IValidateOptions<OrleansHostOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansHostOptions options)
    {
        var problems = new List<string>();
        if (!options.IsClient && !string.Equals(options.Role, "Silo", StringComparison.OrdinalIgnoreCase))
            problems.Add($"Orleans:Role '{options.Role}' is not known: use Silo (the default) or Client.");
        if (options.SiloPort is < 1 or > 65535) problems.Add($"Orleans:SiloPort {options.SiloPort} is not a port (1 to 65535).");
        if (options.GatewayPort is < 0 or > 65535) problems.Add($"Orleans:GatewayPort {options.GatewayPort} is not a port (0 to 65535; 0: no gateway).");
        if (!string.IsNullOrEmpty(options.AdvertisedIP) && !IPAddress.TryParse(options.AdvertisedIP, out _))
            problems.Add($"Orleans:AdvertisedIP '{options.AdvertisedIP}' is not an IP address.");
        if (options.ResponseTimeout <= TimeSpan.Zero) problems.Add("Orleans:ResponseTimeout must be positive.");
        if (options.StreamPollInterval <= TimeSpan.Zero) problems.Add("Orleans:StreamPollInterval must be positive.");
        return LiveOptionsValidation.Of(problems);
    }
}

/// <summary>Section <c>Live</c>: the index's shards (the other settings take any value their type allows).</summary>
public sealed class LiveOptionsValidator : IValidateOptions<LiveOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveOptions options)
    {
        var problems = new List<string>();
        if (options.IndexShards is < 1 or > 256) problems.Add("Live:IndexShards must be 1 to 256.");
        return LiveOptionsValidation.Of(problems);
    }
}

/// <summary>Section <c>Log</c>: room for at least one entry, and transactions of at least one.</summary>
public sealed class LogOptionsValidator : IValidateOptions<LogOptions>
{
    public ValidateOptionsResult Validate(string? name, LogOptions options)
    {
        var problems = new List<string>();
        if (options.MaxPendingEntries < 1) problems.Add($"Log:MaxPendingEntries {options.MaxPendingEntries} must be at least 1.");
        if (options.MaxCommitBatch < 1) problems.Add($"Log:MaxCommitBatch {options.MaxCommitBatch} must be at least 1.");
        return LiveOptionsValidation.Of(problems);
    }
}

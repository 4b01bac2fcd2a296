namespace LiveOrleans.Api.Tests;

/// <summary>
/// The engine process started with a bad setting: it stops before anything runs, and what it writes names the key
/// (every key at fault in a section). Bound sections (<c>Live</c>, <c>Log</c>, <c>Ingest</c>, <c>Push</c>) are checked when the host starts;
/// <c>Storage</c> and <c>Orleans</c>, which decide what is registered, where they are read.
/// </summary>
[Trait("Category", "http")]
public sealed class BadConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"lo-config-{Guid.NewGuid():N}")).FullName;

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("Live__IndexShards", "0", "Live:IndexShards must be 1 to 256.")]
    [InlineData("Log__MaxCommitBatch", "0", "Log:MaxCommitBatch 0 must be at least 1.")]
    [InlineData("Ingest__EventsPerSecondPerTenant", "5", "Ingest:EventsPerSecondPerTenant 5 must be 10 to 1000000000.")]
    [InlineData("Push__Tick", "00:00:00", "Push:Tick must be positive and at most a day.")]
    public async Task A_bad_setting_of_a_bound_section_stops_the_start(string key, string value, string message)
    {
        var (exitCode, output) = await EngineProcess.RunUntilExitAsync(_directory, new Dictionary<string, string> { ["Storage__Provider"] = "Sqlite", [key] = value });

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output);
        Assert.DoesNotContain("created tenant", output); // refused before the bootstrap ran
    }

    [Fact]
    public async Task Every_problem_of_a_section_is_named_at_once()
    {
        var (exitCode, output) = await EngineProcess.RunUntilExitAsync(_directory, new Dictionary<string, string>
        {
            ["Storage__Provider"] = "Sqlite",
            ["Push__MaxCards"] = "0",
            ["Push__MaxConnectionsPerUser"] = "-1",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Push:MaxCards 0 must be at least 1.", output);
        Assert.Contains("Push:MaxConnectionsPerUser -1 must not be negative (0: no cap).", output);
    }

    [Theory]
    [InlineData("Storage__Provider", "Mongo", "Storage:Provider 'Mongo' is not known: use Sqlite (embedded, the default) or PostgreSql (cluster mode).")]
    [InlineData("Orleans__AdvertisedIP", "not-an-address", "Orleans:AdvertisedIP 'not-an-address' is not an IP address.")]
    [InlineData("Orleans__StreamPollInterval", "00:00:00", "Orleans:StreamPollInterval must be positive.")]
    [InlineData("Orleans__Dashboard", "maybe", "Failed to convert configuration value 'maybe' at 'Orleans:Dashboard' to type 'System.Boolean'.")]
    public async Task A_bad_setting_that_shapes_the_host_stops_it_as_it_is_built(string key, string value, string message)
    {
        var settings = new Dictionary<string, string> { ["Storage__Provider"] = "Sqlite", [key] = value };

        var (exitCode, output) = await EngineProcess.RunUntilExitAsync(_directory, settings);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output);
        Assert.DoesNotContain("created tenant", output);
    }
}

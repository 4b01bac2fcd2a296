using System.Net;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>Bootstrap secrets only apply to an empty store; on an existing one the engine says it ignored them.</summary>
[Trait("Category", "http")]
public sealed class BootstrapTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-bootstrap-").FullName;

    [Fact]
    public async Task Secrets_given_for_an_existing_store_are_named_as_ignored_and_the_first_ones_still_work()
    {
        await using (var first = await EngineProcess.StartAsync(_directory)) await first.StopAsync();

        var changed = new Dictionary<string, string> { ["Bootstrap__AdminPassword"] = "another-password" };
        await using var second = await EngineProcess.StartAsync(_directory, changed);
        using var client = new HttpClient { BaseAddress = second.Address };
        var withNew = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "another-password" });
        var withFirst = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });

        Assert.Equal(HttpStatusCode.Unauthorized, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withFirst.StatusCode);
        Assert.Contains("Bootstrap:Tenant, Bootstrap:AdminPassword, Bootstrap:IngestKey ignored", second.Output);
        Assert.Contains(TestStore.Description(_directory), second.Output);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

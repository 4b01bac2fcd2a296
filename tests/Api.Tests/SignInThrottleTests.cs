using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// Password guessing slows the guesser, never locks the owner out: the real engine process, with clients whose
/// connections come from different loopback addresses (127.0.0.2 guesses, 127.0.0.3 is the owner).
/// </summary>
[Trait("Category", "http")]
public sealed class SignInThrottleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-throttle-").FullName;

    private static HttpClient From(string address, Uri engine) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            await socket.ConnectAsync(context.DnsEndPoint, token);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = engine };

    [Fact]
    public async Task A_source_spraying_passwords_is_slowed_with_Retry_After_while_the_owner_signs_in_from_elsewhere()
    {
        await using var engine = await EngineProcess.StartAsync(_directory);
        using var attacker = From("127.0.0.2", engine.Address);
        using var owner = From("127.0.0.3", engine.Address);

        HttpResponseMessage? refused = null;
        var failures = 0;
        for (var i = 0; i < 40 && refused is null; i++)
        {
            // Across many usernames, the bootstrap admin's among them: a spray, not one account.
            var answer = await attacker.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = i % 2 == 0 ? "admin" : $"user{i}", password = $"guess-{i}" });
            if (answer.StatusCode == HttpStatusCode.TooManyRequests) refused = answer;
            else
            {
                Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
                failures++;
            }
        }

        Assert.NotNull(refused);
        Assert.True(failures > LiveOrleans.Api.Endpoints.LoginThrottle.FreeFailures, $"{failures} failures before the first 429");
        Assert.True(refused!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("this address", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var signedIn = await owner.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

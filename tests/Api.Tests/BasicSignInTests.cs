using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// HTTP Basic in front of /metrics and /orleans: guessing is braked per source by the sign-in's throttle (429 with
/// Retry-After), unknown and known users take the same time, and a failure is not a burst of information lines. The
/// real engine process, with clients whose connections come from different loopback addresses.
/// </summary>
[Trait("Category", "http")]
public sealed class BasicSignInTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-basic-").FullName;
    private EngineProcess _engine = null!;

    public async Task InitializeAsync()
        => _engine = await EngineProcess.StartAsync(_directory, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" });

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

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

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string user, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_source_guessing_Basic_passwords_is_answered_429_with_Retry_After_while_the_operator_signs_in_from_elsewhere()
    {
        using var attacker = From("127.0.0.2", _engine.Address);
        using var operatorClient = From("127.0.0.3", _engine.Address);

        HttpResponseMessage? refused = null;
        var failures = 0;
        for (var i = 0; i < 40 && refused is null; i++)
        {
            var answer = await GetAsync(attacker, i % 2 == 0 ? "/metrics" : "/orleans/", i % 3 == 0 ? "crash/admin" : $"crash/user{i}", $"guess-{i}");
            if (answer.StatusCode == HttpStatusCode.TooManyRequests) refused = answer;
            else
            {
                Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
                failures++;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(LiveOrleans.Api.Endpoints.LoginThrottle.FreeFailures + 1, failures);
        Assert.True(refused!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("this address", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        // The source waits, whatever it sends: the right password too, and on the sign-in route (one brake per source).
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(attacker, "/metrics", "crash/admin", "crash-password")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await attacker.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username = "admin", password = "crash-password" })).StatusCode);

        // The operator, elsewhere, is not held back.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(operatorClient, "/metrics", "crash/admin", "crash-password")).StatusCode);

        // Eleven failures and the refusals left no information lines of the authentication handlers (at most one debug line each).
        var authLines = _engine.Output.Split('\n').Where(l => l.Contains("was not authenticated", StringComparison.Ordinal)
            || l.Contains("was challenged", StringComparison.Ordinal) || l.Contains("was forbidden", StringComparison.Ordinal)
            || l.Contains("Authorization failed", StringComparison.Ordinal)).ToArray();
        Assert.True(authLines.Length == 0, string.Join("\n", authLines));
    }

    [Fact]
    public async Task An_unknown_user_takes_as_long_as_a_known_user_with_a_wrong_password()
    {
        // Each source stays within the free failures, so every attempt is checked, none braked.
        var unknown = new List<double>();
        var known = new List<double>();
        using (var warm = From("127.0.1.1", _engine.Address))
        {
            for (var i = 0; i < 4; i++) await GetAsync(warm, "/metrics", i % 2 == 0 ? "crash/admin" : "crash/nobody", "warming-up");
        }
        for (var source = 0; source < 12; source++)
        {
            using var client = From($"127.0.2.{source + 1}", _engine.Address);
            for (var i = 0; i < 4; i++)
            {
                var unknownUser = (i + source) % 2 == 0;
                var watch = System.Diagnostics.Stopwatch.StartNew();
                using var answer = await GetAsync(client, "/metrics", unknownUser ? $"crash/nobody{source}{i}" : "crash/admin", $"wrong-{source}-{i}");
                watch.Stop();
                Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
                (unknownUser ? unknown : known).Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        var (unknownMedian, knownMedian) = (Median(unknown), Median(known));
        // The check: medians within a factor of 2 (before: ~1.5 ms for unknown users, ~43 ms for known ones).
        Assert.True(unknownMedian * 2 >= knownMedian && knownMedian * 2 >= unknownMedian,
            $"median {unknownMedian:F1} ms for unknown users, {knownMedian:F1} ms for a known user with a wrong password");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

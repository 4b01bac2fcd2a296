using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// An ingest body over 1 MiB, sent as fast as the client can, gets a 413 it can read — over a real socket to the
/// real process, where a server that answers and closes while the client is still sending would reset the connection.
/// </summary>
[Trait("Category", "http")]
public sealed class LargeBodyTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-large-").FullName;
    private EngineProcess _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineProcess.StartAsync(_directory);

    [Theory]
    [InlineData(1_100_000, true)]
    [InlineData(3_000_000, true)]
    [InlineData(12_000_000, true)]
    [InlineData(3_000_000, false)]
    public async Task A_body_over_the_limit_gets_a_readable_413(int bytes, bool withLength)
    {
        using var client = new HttpClient { BaseAddress = _engine.Address, Timeout = TimeSpan.FromSeconds(60) };
        // A syntactically plausible batch: one event whose text is padded past the limit.
        var body = new byte[bytes];
        var head = "{\"events\":[{\"id\":\"e1\",\"type\":\"message_received\",\"text\":\""u8.ToArray();
        head.CopyTo(body, 0);
        Array.Fill(body, (byte)'x', head.Length, bytes - head.Length - 4);
        "\"}]}"u8.ToArray().CopyTo(body, bytes - 4);
        HttpContent content = withLength ? new ByteArrayContent(body) : new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = content };
        request.Headers.Add("X-Api-Key", "lo_crash_key");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("at most 1048576 bytes", problem.GetProperty("detail").GetString());
        // The connection is still good for the next batch.
        using var next = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { events = Array.Empty<object>() }) };
        next.Headers.Add("X-Api-Key", "lo_crash_key");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(next)).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>A stream that hides its length, so HttpClient sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

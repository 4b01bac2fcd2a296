using System.IO.Pipelines;
using System.Net;
using System.Text;
using LiveOrleans.Client;

namespace LiveOrleans.Api.Tests.Sdk;

/// <summary>
/// Without the hub, the runtime listens to the control stream again after it ended or failed, resumed after the last
/// command seen, and hands each command to its handler once: against a stand-in engine that ends the first stream,
/// refuses the second request, and sends a command again on the third.
/// </summary>
[Trait("Category", "unit")]
public sealed class RuntimeControlStreamTests
{
    [Fact]
    public async Task The_stream_is_listened_to_again_after_an_end_and_a_refusal_resumed_after_the_last_command()
    {
        var engine = new ControlEngine();
        using var http = new HttpClient(engine) { BaseAddress = new Uri("http://engine.test/") };
        var options = new LiveOrleansClientOptions { BaseAddress = http.BaseAddress, ApiKey = "lo_key", UseHub = false };
        var handled = new List<string>();
        await using (var runtime = new LiveOrleansRuntime(http, options, new LiveOrleansProducer(http, options), (command, _) =>
        {
            lock (handled) handled.Add(command.InterventionId);
            return Task.CompletedTask;
        }))
        {
            await runtime.StartAsync();
            await engine.SecondAcknowledged.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(["i1", "i2"], handled);
        Assert.Equal([null, "1", "1"], engine.LastEventIds);
        Assert.Equal(["/api/v1/control/i1/ack", "/api/v1/control/i2/ack"], engine.Acks);
    }

    private sealed class ControlEngine : HttpMessageHandler
    {
        private int _listens;

        public List<string?> LastEventIds { get; } = [];

        public List<string> Acks { get; } = [];

        public TaskCompletionSource SecondAcknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("lo_key", request.Headers.GetValues("X-Api-Key").Single());
            if (request.Method == HttpMethod.Post)
            {
                lock (Acks) Acks.Add(request.RequestUri!.AbsolutePath);
                if (request.RequestUri.AbsolutePath.EndsWith("/i2/ack", StringComparison.Ordinal)) SecondAcknowledged.TrySetResult();
                return new HttpResponseMessage(HttpStatusCode.OK);
            }
            Assert.Equal("/api/v1/control", request.RequestUri!.AbsolutePath);
            lock (LastEventIds) LastEventIds.Add(request.Headers.TryGetValues("Last-Event-ID", out var ids) ? ids.Single() : null);
            return ++_listens switch
            {
                // The first stream carries i1, then ends (the engine stopping).
                1 => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Event("1", "i1")) },
                // The engine is not there yet.
                2 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
                // i1 again (a command may come twice), then i2, and the stream stays open.
                _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(await OpenStreamAsync(Event("1", "i1") + Event("2", "i2"))) },
            };
        }

        private static string Event(string id, string intervention)
            => $"id: {id}\ndata: {{\"interventionId\":\"{intervention}\",\"sessionId\":\"s1\",\"type\":\"pause\"}}\n\n";

        private static async Task<Stream> OpenStreamAsync(string text)
        {
            var pipe = new Pipe();
            await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));
            return pipe.Reader.AsStream();
        }
    }
}

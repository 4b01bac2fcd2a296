using System.Net;
using System.Net.Sockets;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>
/// Free ports for the engines tests start (each with a silo), taken below the kernel's ephemeral range: a port the
/// kernel hands out for "any free port" can be given again, between our check and the engine's bind, to one of the
/// many outgoing connections a test run makes (HTTP clients, PostgreSQL pools, silo links), and the engine then
/// fails to start. Ports below the range are only ever taken by listeners, and each is checked free before use.
/// </summary>
public static class FreePorts
{
    // Linux's default ephemeral range starts at 32768; each test process starts at a random place in 20000–32000.
    private const int First = 20_000, Count = 12_000;
    private static int _next = Random.Shared.Next(Count);

    public static int Next()
    {
        for (var tried = 0; tried < Count; tried++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"No free port between {First} and {First + Count}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Settings giving an engine's silo its own ports.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ForSilo() =>
    [
        new("Orleans:SiloPort", Next().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Orleans:GatewayPort", Next().ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}

using System.Net;
using System.Net.Sockets;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>Free loopback ports, so engines started by tests (each with a silo) never collide.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Settings giving an engine's silo its own ports.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ForSilo() =>
    [
        new("Orleans:SiloPort", Next().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Orleans:GatewayPort", Next().ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}

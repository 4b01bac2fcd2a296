using System.Diagnostics;
using LiveOrleans.Testing;
using Npgsql;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>
/// A LiveOrleans cluster as separate processes on one PostgreSQL database (a fresh one per cluster): <c>Silo</c>
/// processes (the Silo executable, no HTTP) and <c>Api</c> nodes, each Api a silo or an Orleans client only.
/// </summary>
public sealed class ClusterProcesses : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly List<EngineProcess> _apis = [];

    public ClusterProcesses(string? clusterId = null)
    {
        ConnectionString = PostgresServer.CreateDatabase("lo_cluster");
        ClusterId = clusterId ?? "test-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(WorkDirectory);
    }

    public string ConnectionString { get; }

    public string ClusterId { get; }

    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), $"lo-cluster-{Guid.NewGuid():N}");

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public IReadOnlyList<EngineProcess> Apis => _apis;

    /// <summary>The settings every process of this cluster shares (environment variables).</summary>
    public Dictionary<string, string> Settings(IDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Storage__Provider"] = "PostgreSql",
            ["ConnectionStrings__PostgreSql"] = ConnectionString,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        return settings;
    }

    public async Task<SiloProcess> StartSiloAsync(IDictionary<string, string>? extra = null)
    {
        var silo = await SiloProcess.StartAsync(this, Settings(extra));
        _silos.Add(silo);
        return silo;
    }

    /// <summary>An Api node: a silo too (<paramref name="client"/> false), or an Orleans client only.</summary>
    public async Task<EngineProcess> StartApiAsync(bool client, IDictionary<string, string>? extra = null)
    {
        var settings = Settings(extra);
        if (client) settings["Orleans__Role"] = "Client";
        var api = await EngineProcess.StartAsync(WorkDirectory, settings);
        _apis.Add(api);
        return api;
    }

    /// <summary>Silos of the cluster in a status (3 active, 6 dead), from Orleans' membership table.</summary>
    public Task<IReadOnlyList<int>> SiloPortsAsync(int status) => SiloPortsAsync(ConnectionString, ClusterId, status);

    public static async Task<IReadOnlyList<int>> SiloPortsAsync(string connectionString, string clusterId, int status)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT port FROM orleans_membership WHERE deployment_id = $1 AND status = $2 ORDER BY port", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        command.Parameters.Add(new NpgsqlParameter { Value = status });
        var ports = new List<int>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) ports.Add(reader.GetInt32(0));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The first process has not created the tables yet: no silo is a member.
        }
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis) await api.DisposeAsync();
        foreach (var silo in _silos) silo.Dispose();
        PostgresServer.DropDatabase(ConnectionString);
        try { Directory.Delete(WorkDirectory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The Silo executable as a separate process (what <c>dotnet run --project Silo</c> starts).</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string Output => string.Join("\n", _output);

    public bool HasExited => _process.HasExited;

    /// <summary>The built Silo executable beside the test's own build (same configuration).</summary>
    public static string Executable()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<configuration>/net10.0/
        var path = Path.Combine(PostgresServer.RepositoryRoot(), "Silo", "bin", configuration, "net10.0", "LiveOrleans.Silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first.");
    }

    internal static Task<SiloProcess> StartAsync(ClusterProcesses cluster, IDictionary<string, string> settings)
        => StartAsync(cluster.WorkDirectory, settings, cluster.SiloPortsAsync);

    /// <summary>A silo on the database and cluster the settings name, run in <paramref name="workDirectory"/>.</summary>
    public static Task<SiloProcess> StartAsync(string workDirectory, IDictionary<string, string> settings)
        => StartAsync(workDirectory, settings, status => ClusterProcesses.SiloPortsAsync(settings["ConnectionStrings__PostgreSql"], settings["Orleans__ClusterId"], status));

    private static async Task<SiloProcess> StartAsync(string workDirectory, IDictionary<string, string> settings, Func<int, Task<IReadOnlyList<int>>> silosIn)
    {
        var siloPort = FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet", [Executable()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in settings) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var silo = new SiloProcess(process, siloPort, gatewayPort);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) silo._output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) silo._output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Ready when Orleans' membership table says it is active.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The silo exited with code {process.ExitCode}: {silo.Output}");
            if ((await silosIn(3)).Contains(siloPort)) return silo;
            await Task.Delay(200);
        }
        throw new TimeoutException($"The silo on port {siloPort} was not active within 60 s: {silo.Output}");
    }

    /// <summary>SIGTERM: the silo leaves the cluster gracefully (its grains write their last snapshots).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGKILL: no shutdown code runs; the cluster has to notice it is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}

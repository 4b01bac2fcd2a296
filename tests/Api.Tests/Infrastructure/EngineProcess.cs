using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveOrleans.Api.Tests.Infrastructure;

/// <summary>The Api as a real separate process (what the README's run command starts), so a test can kill it without a graceful stop.</summary>
public sealed class EngineProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    /// <summary>What the engine wrote to its console (standard output and error) so far.</summary>
    public string Output => string.Join("\n", _output);

    /// <summary>What the engine's Silo process logged (cluster mode; empty when the engine is one process).</summary>
    public string SiloOutput => _silo?.Output ?? "";

    private SiloProcess? _silo;

    private EngineProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The engine's process id (its resident memory is in /proc/{id}/status).</summary>
    public int ProcessId => _process.Id;

    public static Task<EngineProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null, params string[] arguments)
        => StartOnPortAsync(FreePorts.Next(), dataDirectory, settings, arguments);

    /// <summary>
    /// Starts the engine (embedded mode) where it is expected to refuse to start: waits for it to exit and answers its
    /// exit code and what it wrote to its console. Fails when it is still running after 60 s.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(string dataDirectory, IDictionary<string, string>? settings = null)
    {
        var start = StartInfo(new Uri($"http://127.0.0.1:{FreePorts.Next()}"), dataDirectory, []);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The engine was expected to exit but still ran after 60 s. It wrote:\n{string.Join("\n", output)}");
        }
        process.WaitForExit(); // the end of its output
        return (process.ExitCode, string.Join("\n", output));
    }

    private static ProcessStartInfo StartInfo(Uri address, string dataDirectory, string[] arguments)
    {
        var api = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [api, "--urls", address.ToString(), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__SqlitePath"] = Path.Combine(dataDirectory, "live.db");
        start.Environment["Bootstrap__Tenant"] = "crash";
        start.Environment["Bootstrap__AdminPassword"] = "crash-password";
        start.Environment["Bootstrap__IngestKey"] = "lo_crash_key";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in FreePorts.ForSilo()) start.Environment[key.Replace(":", "__")] = value;
        return start;
    }

    /// <summary>Starts the engine on a given HTTP port (a restart where its clients expect it).</summary>
    public static async Task<EngineProcess> StartOnPortAsync(int port, string dataDirectory, IDictionary<string, string>? settings = null, params string[] arguments)
    {
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = StartInfo(address, dataDirectory, arguments);
        SiloProcess? silo = null;
        if (TestStore.Cluster && !(settings?.ContainsKey("Storage__Provider") ?? false))
        {
            // The cluster pass: this engine is a cluster of two, a Silo process and this Api, on the folder's database.
            var cluster = TestStore.ClusterSettings(dataDirectory);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>()) cluster.TryAdd(key, value);
            silo = await SiloProcess.StartAsync(dataDirectory, cluster);
            foreach (var (key, value) in cluster) start.Environment[key] = value;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var engine = new EngineProcess(process, address) { _silo = silo };
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) engine._output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) engine._output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await engine.WaitUntilReadyAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Say why: the last lines the engine (and its silo) printed, then leave no process behind.
            var explained = new InvalidOperationException($"{ex.Message}\nThe engine's last lines:\n{Tail(engine.Output)}" +
                (silo is null ? "" : $"\nIts silo's last lines:\n{Tail(silo.Output)}"), ex);
            await engine.DisposeAsync();
            throw explained;
        }
        return engine;
    }

    private static string Tail(string output) => string.Join("\n", output.Split('\n').TakeLast(40));

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The engine exited with code {_process.ExitCode}.");
            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("The engine did not answer /health within 60 s.");
    }

    /// <summary>
    /// Runs a step against the engine; when it fails, the failure names what the engine (and its silo, in a cluster)
    /// logged at error level, so a 500 in a test run is explained in the test's own output.
    /// </summary>
    public async Task<T> ExplainingAsync<T>(Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception ex) when (ex is HttpRequestException or Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{ex.Message}\nWhat the engine logged:\n{Errors(Output)}" +
                (_silo is null ? "" : $"\nWhat its silo logged:\n{Errors(_silo.Output)}"), ex);
        }
    }

    /// <summary>The log entries at error level or above (a console log entry is a "fail:" or "crit:" line and the lines under it).</summary>
    private static string Errors(string output)
    {
        var kept = new List<string>();
        var inEntry = false;
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)) inEntry = true;
            else if (line.Length > 5 && line[4] == ':' && !line.StartsWith(' ')) inEntry = false;
            if (inEntry) kept.Add(line);
        }
        return kept.Count == 0 ? "(nothing)" : string.Join("\n", kept.TakeLast(80));
    }

    /// <summary>SIGTERM, as a service manager stops it: the engine stops gracefully (grains write their last snapshots).</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        if (_silo is not null) await _silo.StopAsync();
    }

    /// <summary>SIGKILL: no shutdown code runs, no final snapshot is written.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _silo?.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _silo?.Dispose();
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace LiveOrleans.Bench;

/// <summary>
/// An engine build to measure: its label, the Api assembly the run command starts, and whether to run it in cluster
/// mode (PostgreSQL from <c>LIVEORLEANS_POSTGRES</c>, a database of its own, a Silo process and the Api joined to it).
/// </summary>
public sealed record EngineBuild(string Label, string ApiDll, bool Cluster = false)
{
    /// <summary>Cluster mode: how many Silo processes to start.</summary>
    public int Silos { get; init; } = 1;

    /// <summary>Cluster mode: the Api is an Orleans client only (<c>Orleans:Role=Client</c>), not a silo itself.</summary>
    public bool ApiClient { get; init; }

    /// <summary>
    /// A CPU quota in cores for each process that runs grains (every Silo process; the Api process in embedded mode),
    /// each in a cgroup of its own; 0 for none. See <see cref="CpuQuota"/>.
    /// </summary>
    public double Quota { get; init; }

    /// <summary>Settings of this build's processes (environment variables, <c>Section__Key</c>), before the benchmark's own.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The Silo executable of the same build (beside the Api's, same configuration).</summary>
    public string SiloDll => System.Text.RegularExpressions.Regex.Replace(ApiDll, @"Api([\\/]bin[\\/][^\\/]+[\\/]net10\.0[\\/])LiveOrleans\.Api\.dll$", "Silo$1LiveOrleans.Silo.dll");
}

/// <summary>
/// An engine as the run command starts it (embedded mode, its own SQLite file with WAL and synchronous=FULL), as a
/// process of its own, so any build — this one or the one before it — is measured by the same client code.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    public const string Key = "lo_bench_key";
    public const string Password = "bench-password";
    private readonly EngineBuild _build;
    private readonly string _directory;
    private readonly Dictionary<string, string> _settings;
    private Process? _process;
    private readonly List<Process> _silos = [];
    private readonly List<CpuQuota> _quotas = [];
    private string? _database;

    private EngineProcess(EngineBuild build, string directory, Dictionary<string, string> settings)
    {
        _build = build;
        _directory = directory;
        _settings = settings;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>How long the last start took until the engine answered a live query.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>When the last start launched the process (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long LaunchedAt { get; private set; }

    /// <summary>The engine process's id (for /proc and the diagnostics tools).</summary>
    public int ProcessId => _process!.Id;

    public bool HasExited => _process?.HasExited ?? true;

    private int _starts;

    public static async Task<EngineProcess> StartAsync(EngineBuild build, IDictionary<string, string>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lo-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var merged = new Dictionary<string, string>(build.Settings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) merged[key] = value;
        var engine = new EngineProcess(build, directory, merged);
        await engine.StartAsync();
        return engine;
    }

    /// <summary>
    /// Starts the process on the same store (a restart when it ran before); unless <paramref name="waitUntilAnswering"/>
    /// is false, waits until it answers a live query. <c>BENCH_ENGINE_LOG=DIR</c> keeps each start's output (with
    /// timestamps) in DIR, <c>BENCH_ENGINE_LOG_LEVEL</c> sets its level (default Warning).
    /// </summary>
    public async Task StartAsync(bool waitUntilAnswering = true)
    {
        var port = FreePort();
        Address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet", [_build.ApiDll, "--urls", Address.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (Environment.GetEnvironmentVariable("BENCH_GC_SERVER") is { } gc) start.Environment["DOTNET_gcServer"] = gc;
        start.Environment["Storage__SqlitePath"] = Path.Combine(_directory, "live.db");
        start.Environment["Bootstrap__Tenant"] = "bench";
        start.Environment["Bootstrap__AdminPassword"] = Password;
        start.Environment["Bootstrap__IngestKey"] = Key;
        start.Environment["Ingest__EventsPerSecondPerTenant"] = "10000000";
        start.Environment["Logging__LogLevel__Default"] = Environment.GetEnvironmentVariable("BENCH_ENGINE_LOG_LEVEL") ?? "Warning";
        start.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        // The engine runs in a temporary directory, so its appsettings.json is not read: its quiet categories are set here.
        start.Environment["Logging__LogLevel__Polly"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        start.Environment["Orleans__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in _settings) start.Environment[key] = value;
        if (_build.Cluster) await StartSilosAsync(start.Environment);
        else if (_build.Quota > 0) start = Confined(start, $"{_build.Label}-engine");
        var clock = Stopwatch.StartNew();
        LaunchedAt = Stopwatch.GetTimestamp();
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var log = Environment.GetEnvironmentVariable("BENCH_ENGINE_LOG") is { Length: > 0 } logs
            ? TextWriter.Synchronized(new StreamWriter(Path.Combine(Directory.CreateDirectory(logs).FullName, $"{_build.Label}-{DateTime.UtcNow:HHmmss}-start{++_starts}.log")) { AutoFlush = true })
            : null;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) log?.WriteLine(line); };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            log?.WriteLine(line);
            if (line.Contains("fail:", StringComparison.Ordinal)) Console.Error.WriteLine($"[{_build.Label}] {line}");
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!waitUntilAnswering) return;
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{_build.Label} exited with code {_process.ExitCode}.");
            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK) break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(50);
        }
        using var reader = await ReaderAsync();
        (await reader.GetAsync("/api/v1/live/sessions?limit=1")).EnsureSuccessStatusCode();
        StartTime = clock.Elapsed;
    }

    /// <summary>
    /// Cluster mode: a database of its own (kept across restarts), and the Silo processes the Api joins (as a silo
    /// itself, or as an Orleans client once every silo is active).
    /// </summary>
    private async Task StartSilosAsync(IDictionary<string, string?> environment)
    {
        var admin = Environment.GetEnvironmentVariable("LIVEORLEANS_POSTGRES")
            ?? throw new InvalidOperationException("Cluster mode needs LIVEORLEANS_POSTGRES (bench/compare.sh --cluster starts a server and sets it).");
        if (_database is null)
        {
            _database = "lo_bench_" + Guid.NewGuid().ToString("N")[..12];
            using var connection = new Npgsql.NpgsqlConnection(admin);
            connection.Open();
            using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {_database}", connection);
            create.ExecuteNonQuery();
        }
        environment["Storage__Provider"] = "PostgreSql";
        environment["ConnectionStrings__PostgreSql"] = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = _database }.ConnectionString;
        environment["Orleans__ClusterId"] = _database;
        environment["Orleans__AdvertisedIP"] = "127.0.0.1";
        _silos.Clear();
        for (var i = 0; i < _build.Silos; i++)
        {
            var silo = new ProcessStartInfo("dotnet", [_build.SiloDll]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _directory };
            foreach (var (key, value) in environment) silo.Environment[key] = value;
            silo.Environment["Orleans__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            silo.Environment["Orleans__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_build.Quota > 0) silo = Confined(silo, $"{_build.Label}-silo{i + 1}");
            var process = Process.Start(silo) ?? throw new InvalidOperationException("dotnet did not start the silo.");
            var name = _build.Silos == 1 ? "silo" : $"silo {i + 1}";
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && line.Contains("fail:", StringComparison.Ordinal)) Console.Error.WriteLine($"[{_build.Label} {name}] {line}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _silos.Add(process);
        }
        if (!_build.ApiClient) return;
        // An Orleans client needs a gateway at its start, and tenants are placed over the silos active then: all of them.
        environment["Orleans__Role"] = "Client";
        var deadline = Stopwatch.StartNew();
        while (await ActiveSilosAsync(environment["ConnectionStrings__PostgreSql"]!) < _build.Silos)
        {
            if (_silos.FirstOrDefault(p => p.HasExited) is { } exited) throw new InvalidOperationException($"{_build.Label}: a silo exited with code {exited.ExitCode}.");
            if (deadline.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"{_build.Label}: {_build.Silos} silos were not active within 2 minutes.");
            await Task.Delay(200);
        }
    }

    private async Task<int> ActiveSilosAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // Orleans' membership table: status 3 is Active.
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM orleans_membership WHERE deployment_id = $1 AND status = 3", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = _database });
        try
        {
            return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return 0; // no silo has created the tables yet
        }
    }

    /// <summary>The same command, run in a cgroup of its own with this build's CPU quota.</summary>
    private ProcessStartInfo Confined(ProcessStartInfo start, string name)
    {
        var quota = _quotas.FirstOrDefault(q => q.Name == name);
        if (quota is null) _quotas.Add(quota = CpuQuota.Create(name, _build.Quota));
        var confined = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
            UseShellExecute = false,
            WorkingDirectory = start.WorkingDirectory,
        };
        // The shell moves itself into the group, then becomes the command (same process id; the runtime's threads are born inside).
        foreach (var argument in (string[])["-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", quota.Directory, start.FileName, .. start.ArgumentList]) confined.ArgumentList.Add(argument);
        foreach (var (key, value) in start.Environment) confined.Environment[key] = value;
        return confined;
    }

    /// <summary>
    /// CPU time of every process of the engine so far, process by process: <c>api</c>, <c>silo1</c> …, and in cluster
    /// mode <c>postgres</c>, the server whose postmaster <c>LIVEORLEANS_POSTGRES_PID</c> names (its live backends, and
    /// those it has reaped).
    /// </summary>
    public IReadOnlyList<(string Name, TimeSpan Time)> CpuTimes()
    {
        var times = new List<(string, TimeSpan)> { ("api", CpuTime(_process!.Id)) };
        for (var i = 0; i < _silos.Count; i++) times.Add(($"silo{i + 1}", CpuTime(_silos[i].Id)));
        if (_build.Cluster && int.TryParse(Environment.GetEnvironmentVariable("LIVEORLEANS_POSTGRES_PID"), out var postmaster)) times.Add(("postgres", PostgresCpuTime(postmaster)));
        return times;
    }

    /// <summary>The postmaster's CPU with its reaped children's, and its living children's.</summary>
    private static TimeSpan PostgresCpuTime(int postmaster)
    {
        var total = CpuTime(postmaster, withReapedChildren: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] == postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture)) total += CpuTime(pid);
            }
            catch (IOException)
            {
                // The backend ended meanwhile: its time is in the postmaster's reaped children's now.
            }
        }
        return total;
    }

    /// <summary>How often the kernel throttled the engine's confined processes so far (cgroup <c>cpu.stat</c>).</summary>
    public (long Periods, long Throttled) Throttling()
    {
        var (periods, throttled) = (0L, 0L);
        foreach (var stat in _quotas.Select(q => q.Stat()))
        {
            periods += stat.Periods;
            throttled += stat.Throttled;
        }
        return (periods, throttled);
    }

    /// <summary>Resident memory of the engine process (VmRSS), in bytes.</summary>
    public long ResidentBytes() => ResidentBytes(_process!.Id);

    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        // "VmRSS:\t 8026820 kB", and from 10 GB on "VmRSS:\t10135960 kB": split on tabs too.
        return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>User plus system CPU time of a process so far (/proc, clock ticks of 1/100 s); with its waited-for children's when asked.</summary>
    public static TimeSpan CpuTime(int pid, bool withReapedChildren = false)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int i) => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture);
        var ticks = Field(11) + Field(12) + (withReapedChildren ? Field(13) + Field(14) : 0);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>SIGTERM and wait: a graceful stop. A process still running after <paramref name="within"/> (default 2 minutes) is killed; answers false then.</summary>
    public async Task<bool> StopAsync(TimeSpan? within = null)
    {
        var graceful = true;
        foreach (var process in new[] { _process }.Concat(_silos))
        {
            if (process is null || process.HasExited) continue;
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                graceful = false;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        return graceful;
    }

    /// <summary>Kills the engine at once (a benchmark giving up on it).</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>A full blocking garbage collection in the engine; see <see cref="CollectGarbageAsync(int)"/>.</summary>
    public Task CollectGarbageAsync() => CollectGarbageAsync(_process!.Id);

    /// <summary>
    /// A full blocking garbage collection in a .NET process, induced as profilers do it (the runtime provider's
    /// GCHeapCollect keyword over the diagnostics port), then waits until its resident memory settles.
    /// </summary>
    public static async Task CollectGarbageAsync(int pid)
    {
        const long GCHeapCollect = 0x800000, GC = 0x1;
        var client = new Microsoft.Diagnostics.NETCore.Client.DiagnosticsClient(pid);
        var provider = new Microsoft.Diagnostics.NETCore.Client.EventPipeProvider("Microsoft-Windows-DotNETRuntime", System.Diagnostics.Tracing.EventLevel.Informational, GCHeapCollect | GC);
        using var session = client.StartEventPipeSession([provider], requestRundown: false, circularBufferMB: 16);
        var drain = session.EventStream.CopyToAsync(Stream.Null);
        var previous = ResidentBytes(pid);
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(2000);
            var now = ResidentBytes(pid);
            if (Math.Abs(now - previous) < previous / 200) break;
            previous = now;
        }
        await session.StopAsync(CancellationToken.None);
        try { await drain.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception ex) when (ex is TimeoutException or IOException or ObjectDisposedException) { }
    }

    public HttpClient Producer(string key = Key)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task<HttpClient> ReaderAsync(string tenant = "bench", TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = timeout ?? TimeSpan.FromSeconds(120) };
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { tenant, username = "admin", password = Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates tenants through the platform administrator, as an operator would; answers their ingest keys.</summary>
    public async Task<string[]> CreateTenantsAsync(int count)
    {
        using var admin = await ReaderAsync();
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/tenants", new
            {
                id = $"tenant-{i}", name = $"Tenant {i}", timeZone = i % 2 == 0 ? "Europe/Berlin" : "America/New_York",
                admin = new { username = "admin", password = Password },
            });
            response.EnsureSuccessStatusCode();
            keys[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ingestKey").GetString()!;
        }
        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        foreach (var silo in _silos)
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
                await silo.WaitForExitAsync();
            }
            silo.Dispose();
        }
        foreach (var quota in _quotas) quota.Dispose();
        if (_database is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            using var connection = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("LIVEORLEANS_POSTGRES"));
            connection.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }
        // BENCH_KEEP_STORE=1 keeps the embedded store (to restart or profile the engine on it by hand).
        if (Environment.GetEnvironmentVariable("BENCH_KEEP_STORE") == "1") Console.Error.WriteLine($"[{_build.Label}] store kept in {_directory}");
        else try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Globalization;

namespace LiveOrleans.Bench;

/// <summary>
/// A cgroup (v1, the <c>cpu</c> controller at /sys/fs/cgroup/cpu) that confines its processes to a share of a core:
/// with a quota per silo, this two-core machine shows what several machines of that size would (see
/// ../shared/ENVIRONMENT.md). Needs root; the group is removed when disposed (once its processes have exited).
/// </summary>
public sealed class CpuQuota : IDisposable
{
    private const string Root = "/sys/fs/cgroup/cpu";
    private const int Period = 100_000; // µs

    private CpuQuota(string name, string directory)
    {
        Name = name;
        Directory = directory;
    }

    public string Name { get; }

    public string Directory { get; }

    public static CpuQuota Create(string name, double cores)
    {
        if (!File.Exists(Path.Combine(Root, "cpu.cfs_quota_us")))
            throw new InvalidOperationException($"CPU quotas need cgroup v1's cpu controller at {Root} (see ../shared/ENVIRONMENT.md).");
        var directory = Path.Combine(Root, "lo-bench-" + name);
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "cpu.cfs_period_us"), Period.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(directory, "cpu.cfs_quota_us"), ((int)Math.Round(cores * Period)).ToString(CultureInfo.InvariantCulture));
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException($"CPU quotas need root (to create {directory}).", ex);
        }
        return new CpuQuota(name, directory);
    }

    /// <summary>The group's <c>cpu.stat</c>: scheduler periods with runnable work, and those in which it was throttled.</summary>
    public (long Periods, long Throttled) Stat()
    {
        var values = File.ReadLines(Path.Combine(Directory, "cpu.stat"))
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture));
        return (values["nr_periods"], values["nr_throttled"]);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory); // a cgroup goes with rmdir, once empty
        }
        catch (IOException)
        {
            // A process of it still runs (killed a moment ago): the group stays, reused by the next run of that name.
        }
    }
}

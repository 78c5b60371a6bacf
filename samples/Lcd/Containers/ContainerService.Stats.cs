using System.Diagnostics;
using System.Globalization;
using Lcd.Api;
using LibContainer;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>
    /// One stats sample of a container in Docker's shape (precpu_stats empty: the caller carries the
    /// previous sample's cpu_stats over). The numbers are the library's (its cgroups), the system CPU
    /// time and online CPUs the host's /proc/stat, the memory limit capped at the host's memory as
    /// dockerd caps it ("no limit" shows as the machine's memory). A container that is not running
    /// gives an empty sample with its name and id, as dockerd's.
    /// </summary>
    public async Task<StatsResponse> SampleStatsAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        DateTimeOffset read = DateTimeOffset.UtcNow;
        var empty = new StatsResponse { Name = entry.Record.Name, Id = entry.Record.Id, Read = JsonFileLog.FormatTime(read), PreRead = ContainerStateJson.ZeroTime };
        IContainer? container = entry.Runtime;
        if (!entry.IsRunning || container is null)
        {
            return empty with { Read = ContainerStateJson.ZeroTime };
        }
        ContainerStats stats;
        try
        {
            stats = await container.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ContainerException or IOException or InvalidOperationException)
        {
            // It ended between the check and the read.
            return empty;
        }
        (ulong system, uint online) = HostCpu();
        ulong memTotal = HostMemory();
        ulong limit = stats.Memory.Limit is ulong l && (memTotal == 0 || l < memTotal) ? l : memTotal;
        static List<BlkioEntryJson> Blkio(IReadOnlyList<BlockIoEntry> entries) =>
            entries.Select(e => new BlkioEntryJson(e.Major, e.Minor, e.Op, e.Value)).ToList();
        return empty with
        {
            PidsStats = new PidsStatsJson { Current = stats.Pids.Current, Limit = stats.Pids.Limit ?? 0 },
            BlkioStats = new BlkioStatsJson
            {
                IoServiceBytesRecursive = Blkio(stats.BlockIo.IoServiceBytes),
                IoServicedRecursive = Blkio(stats.BlockIo.IoServiced),
            },
            CpuStats = new CpuStatsJson
            {
                CpuUsage = new CpuUsageJson
                {
                    TotalUsage = stats.Cpu.TotalUsage,
                    PercpuUsage = stats.Cpu.PerCpuUsage.Count > 0 ? [.. stats.Cpu.PerCpuUsage] : null,
                    UsageInKernelmode = stats.Cpu.SystemUsage,
                    UsageInUsermode = stats.Cpu.UserUsage,
                },
                SystemCpuUsage = system,
                OnlineCpus = online,
                ThrottlingData = new ThrottlingJson
                {
                    Periods = stats.Cpu.ThrottlingPeriods,
                    ThrottledPeriods = stats.Cpu.ThrottledPeriods,
                    ThrottledTime = stats.Cpu.ThrottledTime,
                },
            },
            MemoryStats = new MemoryStatsJson
            {
                Usage = stats.Memory.Usage,
                MaxUsage = stats.Memory.MaxUsage,
                Stats = new Dictionary<string, ulong>(stats.Memory.Stat, StringComparer.Ordinal),
                Failcnt = stats.Memory.Failcnt,
                Limit = limit,
            },
            // Docker lists the container's own interfaces (eth0 ...), not lo.
            Networks = stats.Networks.Where(n => n.Name != "lo").ToDictionary(n => n.Name, n => new NetworkStatsJson
            {
                RxBytes = n.RxBytes,
                RxPackets = n.RxPackets,
                RxErrors = n.RxErrors,
                RxDropped = n.RxDropped,
                TxBytes = n.TxBytes,
                TxPackets = n.TxPackets,
                TxErrors = n.TxErrors,
                TxDropped = n.TxDropped,
            }),
        };
    }

    /// <summary>The host's CPU time in nanoseconds (user..softirq of /proc/stat's cpu line, at USER_HZ 100, as dockerd sums it) and its online CPUs.</summary>
    internal static (ulong SystemNanos, uint OnlineCpus) HostCpu(string path = "/proc/stat")
    {
        ulong ticks = 0;
        uint cpus = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int i = 1; i < Math.Min(fields.Length, 8); i++)
                {
                    ticks += ulong.Parse(fields[i], CultureInfo.InvariantCulture);
                }
            }
            else if (line.StartsWith("cpu", StringComparison.Ordinal) && line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cpus++;
            }
            else if (!line.StartsWith("cpu", StringComparison.Ordinal))
            {
                break;
            }
        }
        const ulong UserHz = 100;
        return (ticks * (1_000_000_000 / UserHz), cpus);
    }

    /// <summary>MemTotal of /proc/meminfo in bytes (0 when unreadable).</summary>
    internal static ulong HostMemory(string path = "/proc/meminfo")
    {
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return ulong.TryParse(fields[1], CultureInfo.InvariantCulture, out ulong kib) ? kib * 1024 : 0;
            }
        }
        return 0;
    }

    /// <summary>
    /// docker top: the host's ps with <paramref name="psArgs"/> (default -ef), only the rows of the
    /// container's processes (the library's list of its pids), as dockerd runs it. 409 when not running.
    /// </summary>
    public async Task<TopResponse> TopAsync(ContainerEntry entry, string? psArgs, CancellationToken cancellationToken)
    {
        IContainer container = RunningOrConflict(entry);
        HashSet<int> pids = [.. await container.GetProcessesAsync(cancellationToken).ConfigureAwait(false)];
        string[] args = string.IsNullOrWhiteSpace(psArgs) ? ["-ef"] : psArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // -q with the pids is quick; some options (f) cannot go with it: then ps lists everything and the rows are filtered.
        (int code, string output, string error) = await RunPsAsync([.. args, "-q", string.Join(',', pids)], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            (code, output, error) = await RunPsAsync(args, cancellationToken).ConfigureAwait(false);
        }
        if (code != 0)
        {
            throw new ApiException(StatusCodes.Status500InternalServerError, $"Error running ps: exit status {code}: {error.Trim()}");
        }
        return ParsePs(output, pids);
    }

    /// <summary>ps's output as dockerd splits it: titles from the header, fields by whitespace, the last title's field takes the rest of the line.</summary>
    internal static TopResponse ParsePs(string output, IReadOnlySet<int> pids)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            throw new ApiException(StatusCodes.Status500InternalServerError, "Error running ps: no output");
        }
        List<string> titles = [.. lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        int pidIndex = titles.IndexOf("PID");
        if (pidIndex < 0)
        {
            throw new ApiException(StatusCodes.Status500InternalServerError, "Couldn't find PID field in ps output");
        }
        var rows = new List<List<string>>();
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length <= pidIndex || !int.TryParse(fields[pidIndex], CultureInfo.InvariantCulture, out int pid) || !pids.Contains(pid))
            {
                continue;
            }
            int fixedCount = Math.Min(titles.Count - 1, fields.Length);
            List<string> row = [.. fields[..fixedCount]];
            if (fields.Length > fixedCount)
            {
                row.Add(string.Join(' ', fields[fixedCount..]));
            }
            rows.Add(row);
        }
        return new TopResponse(titles, rows);
    }

    private static async Task<(int Code, string Output, string Error)> RunPsAsync(string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("ps") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["LC_ALL"] = "C";
        using Process ps = Process.Start(psi) ?? throw new ApiException(StatusCodes.Status500InternalServerError, "Error running ps: it did not start");
        Task<string> output = ps.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = ps.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await ps.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            ps.Kill();
            await ps.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return (ps.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}

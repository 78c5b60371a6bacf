using System.Globalization;

namespace LibContainer;

// All statistics records live in this file: they only ever appear under ContainerStats.

/// <summary>
/// A snapshot of a container's resource usage, read from its cgroups (cgroup v1 or v2, whichever
/// serves each controller) and from its network namespace. Values a host does not report are 0
/// (or empty).
/// </summary>
public sealed record ContainerStats
{
    /// <summary>CPU time used and CFS throttling.</summary>
    public CpuStats Cpu { get; internal set; } = new();

    /// <summary>Memory usage, limit and the kernel's detailed counters.</summary>
    public MemoryStats Memory { get; internal set; } = new();

    /// <summary>The number of tasks and their limit.</summary>
    public PidsStats Pids { get; internal set; } = new();

    /// <summary>Bytes and operations per block device.</summary>
    public BlockIoStats BlockIo { get; internal set; } = new();

    /// <summary>HugeTLB usage, keyed by page size as the cgroup files name it (<c>2MB</c>, <c>1GB</c>).</summary>
    public IReadOnlyDictionary<string, HugetlbStats> Hugetlb { get; internal set; } = new Dictionary<string, HugetlbStats>(StringComparer.Ordinal);

    /// <summary>Traffic counters of every interface in the container's network namespace, <c>lo</c> included.</summary>
    public IReadOnlyList<NetworkInterfaceStats> Networks { get; internal set; } = [];
}

/// <summary>CPU statistics (cpuacct and cpu on cgroup v1, cpu.stat on v2); times are in nanoseconds.</summary>
public sealed record CpuStats
{
    /// <summary>CPU time consumed by all tasks, in nanoseconds.</summary>
    public ulong TotalUsage { get; internal set; }

    /// <summary>CPU time consumed on each CPU, in nanoseconds, indexed by CPU number (cgroup v1 only; empty on v2).</summary>
    public IReadOnlyList<ulong> PerCpuUsage { get; internal set; } = [];

    /// <summary>CPU time consumed in user mode, in nanoseconds (v1: at USER_HZ resolution, 10 ms).</summary>
    public ulong UserUsage { get; internal set; }

    /// <summary>CPU time consumed in kernel mode, in nanoseconds (v1: at USER_HZ resolution, 10 ms).</summary>
    public ulong SystemUsage { get; internal set; }

    /// <summary>Number of CFS enforcement periods that have elapsed (nr_periods).</summary>
    public ulong ThrottlingPeriods { get; internal set; }

    /// <summary>Number of periods in which the cgroup was throttled (nr_throttled).</summary>
    public ulong ThrottledPeriods { get; internal set; }

    /// <summary>Total time the cgroup's tasks were throttled, in nanoseconds.</summary>
    public ulong ThrottledTime { get; internal set; }
}

/// <summary>Memory statistics; sizes are in bytes.</summary>
public sealed record MemoryStats
{
    /// <summary>Memory in use (v1 memory.usage_in_bytes, v2 memory.current).</summary>
    public ulong Usage { get; internal set; }

    /// <summary>The highest usage recorded (v1 memory.max_usage_in_bytes, v2 memory.peak; 0 when the kernel has none).</summary>
    public ulong MaxUsage { get; internal set; }

    /// <summary>The memory limit; null when there is none.</summary>
    public ulong? Limit { get; internal set; }

    /// <summary>Page cache (v1 <c>total_cache</c>, v2 <c>file</c> of memory.stat).</summary>
    public ulong Cache { get; internal set; }

    /// <summary>Anonymous memory (v1 <c>total_rss</c>, v2 <c>anon</c> of memory.stat).</summary>
    public ulong Rss { get; internal set; }

    /// <summary>Swap in use (v1 <c>total_swap</c> of memory.stat, v2 memory.swap.current; 0 without swap accounting).</summary>
    public ulong SwapUsage { get; internal set; }

    /// <summary>How many times usage hit the limit (v1 memory.failcnt, v2 <c>max</c> of memory.events).</summary>
    public ulong Failcnt { get; internal set; }

    /// <summary>How many processes the OOM killer killed in the cgroup (<c>oom_kill</c> of v1 memory.oom_control, v2 memory.events): Docker's OOMKilled.</summary>
    public ulong OomKills { get; internal set; }

    /// <summary>Every counter of memory.stat as the kernel names it (<c>cache</c>, <c>rss</c>, <c>anon</c>, <c>pgfault</c> ...).</summary>
    public IReadOnlyDictionary<string, ulong> Stat { get; internal set; } = new Dictionary<string, ulong>(StringComparer.Ordinal);
}

/// <summary>Task (process and thread) statistics of the pids controller.</summary>
public sealed record PidsStats
{
    /// <summary>The number of tasks in the cgroup (pids.current).</summary>
    public ulong Current { get; internal set; }

    /// <summary>The task limit (pids.max); null when it is <c>max</c>.</summary>
    public ulong? Limit { get; internal set; }
}

/// <summary>Block IO statistics, one entry per device and operation.</summary>
public sealed record BlockIoStats
{
    /// <summary>
    /// Bytes transferred: v1 blkio io_service_bytes (ops <c>Read</c>, <c>Write</c>, <c>Sync</c>,
    /// <c>Async</c>, <c>Discard</c>, <c>Total</c>); v2 io.stat rbytes, wbytes and dbytes (ops
    /// <c>Read</c>, <c>Write</c>, <c>Discard</c>).
    /// </summary>
    public IReadOnlyList<BlockIoEntry> IoServiceBytes { get; internal set; } = [];

    /// <summary>IO operations: v1 blkio io_serviced; v2 io.stat rios, wios and dios; ops as in <see cref="IoServiceBytes"/>.</summary>
    public IReadOnlyList<BlockIoEntry> IoServiced { get; internal set; } = [];
}

/// <summary>One counter of one block device.</summary>
/// <param name="Major">The device's major number.</param>
/// <param name="Minor">The device's minor number.</param>
/// <param name="Op">The operation counted: <c>Read</c>, <c>Write</c>, <c>Discard</c>, and on v1 also <c>Sync</c>, <c>Async</c>, <c>Total</c>.</param>
/// <param name="Value">Bytes or operations.</param>
public sealed record BlockIoEntry(ulong Major, ulong Minor, string Op, ulong Value);

/// <summary>HugeTLB statistics of one page size; sizes are in bytes.</summary>
/// <param name="Usage">Huge pages in use, in bytes.</param>
/// <param name="MaxUsage">The highest usage recorded (cgroup v1 only; 0 on v2).</param>
/// <param name="Failcnt">How many allocations failed because of the limit.</param>
public sealed record HugetlbStats(ulong Usage, ulong MaxUsage, ulong Failcnt);

/// <summary>Counters of one network interface, as /proc/&lt;pid&gt;/net/dev shows them.</summary>
/// <param name="Name">The interface name, for example <c>eth0</c>.</param>
/// <param name="RxBytes">Bytes received.</param>
/// <param name="RxPackets">Packets received.</param>
/// <param name="RxErrors">Receive errors.</param>
/// <param name="RxDropped">Received packets dropped.</param>
/// <param name="TxBytes">Bytes sent.</param>
/// <param name="TxPackets">Packets sent.</param>
/// <param name="TxErrors">Transmit errors.</param>
/// <param name="TxDropped">Packets dropped on sending.</param>
public sealed record NetworkInterfaceStats(
    string Name,
    ulong RxBytes,
    ulong RxPackets,
    ulong RxErrors,
    ulong RxDropped,
    ulong TxBytes,
    ulong TxPackets,
    ulong TxErrors,
    ulong TxDropped)
{
    /// <summary>
    /// Parses /proc/&lt;pid&gt;/net/dev: two header lines, then <c>name: rx-bytes rx-packets
    /// rx-errs rx-drop fifo frame compressed multicast tx-bytes tx-packets tx-errs tx-drop ...</c>.
    /// Every interface is kept, <c>lo</c> included; malformed lines are skipped.
    /// </summary>
    internal static IReadOnlyList<NetworkInterfaceStats> ParseProcNetDev(string text)
    {
        var interfaces = new List<NetworkInterfaceStats>();
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.Contains('|', StringComparison.Ordinal))
            {
                continue;
            }
            string name = line[..colon].Trim();
            string[] fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (name.Length == 0 || fields.Length < 12)
            {
                continue;
            }
            var values = new ulong[12];
            bool ok = true;
            for (int i = 0; i < values.Length && ok; i++)
            {
                ok = ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]);
            }
            if (ok)
            {
                interfaces.Add(new NetworkInterfaceStats(name, values[0], values[1], values[2], values[3], values[8], values[9], values[10], values[11]));
            }
        }
        return interfaces;
    }
}

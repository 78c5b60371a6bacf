using LibContainer;

namespace Lcrun.Output;

/// <summary>The library's <see cref="ContainerStats"/> in runc's events shape.</summary>
internal static class StatsConverter
{
    /// <summary>What a v2 host reports for "no limit" (runc writes math.MaxUint64 there too).</summary>
    private const ulong Unlimited = ulong.MaxValue;

    public static RuncStats Convert(ContainerStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new RuncStats
        {
            Cpu = new RuncCpu
            {
                Usage = new RuncCpuUsage
                {
                    Total = stats.Cpu.TotalUsage,
                    PerCpu = stats.Cpu.PerCpuUsage.Count > 0 ? [.. stats.Cpu.PerCpuUsage] : null,
                    Kernel = stats.Cpu.SystemUsage,
                    User = stats.Cpu.UserUsage,
                },
                Throttling = new RuncThrottling
                {
                    Periods = stats.Cpu.ThrottlingPeriods,
                    ThrottledPeriods = stats.Cpu.ThrottledPeriods,
                    ThrottledTime = stats.Cpu.ThrottledTime,
                },
            },
            Memory = new RuncMemory
            {
                Cache = stats.Memory.Cache,
                Usage = new RuncMemoryEntry
                {
                    Limit = stats.Memory.Limit ?? Unlimited,
                    Usage = stats.Memory.Usage,
                    Max = stats.Memory.MaxUsage,
                    Failcnt = stats.Memory.Failcnt,
                },
                Swap = new RuncMemoryEntry { Limit = Unlimited, Usage = stats.Memory.SwapUsage },
                Raw = stats.Memory.Stat.Count > 0 ? new Dictionary<string, ulong>(stats.Memory.Stat, StringComparer.Ordinal) : null,
            },
            Pids = new RuncPids { Current = stats.Pids.Current, Limit = stats.Pids.Limit ?? 0 },
            Blkio = new RuncBlkio
            {
                IoServiceBytesRecursive = Entries(stats.BlockIo.IoServiceBytes),
                IoServicedRecursive = Entries(stats.BlockIo.IoServiced),
            },
            Hugetlb = stats.Hugetlb.ToDictionary(
                h => h.Key,
                h => new RuncHugetlb { Usage = h.Value.Usage, Max = h.Value.MaxUsage, Failcnt = h.Value.Failcnt },
                StringComparer.Ordinal),
            NetworkInterfaces = stats.Networks.Count == 0 ? null : [.. stats.Networks.Select(n => new RuncNetworkInterface
            {
                Name = n.Name,
                RxBytes = n.RxBytes,
                RxPackets = n.RxPackets,
                RxErrors = n.RxErrors,
                RxDropped = n.RxDropped,
                TxBytes = n.TxBytes,
                TxPackets = n.TxPackets,
                TxErrors = n.TxErrors,
                TxDropped = n.TxDropped,
            })],
        };
    }

    private static List<RuncBlkioEntry>? Entries(IReadOnlyList<BlockIoEntry> entries) =>
        entries.Count == 0 ? null : [.. entries.Select(e => new RuncBlkioEntry { Major = e.Major, Minor = e.Minor, Op = e.Op, Value = e.Value })];
}

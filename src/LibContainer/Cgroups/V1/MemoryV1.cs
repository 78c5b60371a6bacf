using LibContainer.Spec;
using Tmds.Linux;
using static System.FormattableString;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 memory controller: memory.limit_in_bytes, memory.soft_limit_in_bytes (reservation),
/// memory.memsw.limit_in_bytes (swap, which is memory+swap), memory.swappiness and
/// memory.oom_control, memory.kmem.tcp.limit_in_bytes (kernelTCP, as crun writes it). As in runc, 0
/// leaves a size unset; kernel is never written (current kernels ignore it; the create warns).
/// </summary>
internal sealed class MemoryV1 : ICgroupController
{
    private const string LimitFile = "memory.limit_in_bytes";
    private const string SwapFile = "memory.memsw.limit_in_bytes";
    private const string ReservationFile = "memory.soft_limit_in_bytes";
    private const string SwappinessFile = "memory.swappiness";
    private const string OomControlFile = "memory.oom_control";
    private const string KernelTcpFile = "memory.kmem.tcp.limit_in_bytes";
    private const string UsageFile = "memory.usage_in_bytes";
    private const string MaxUsageFile = "memory.max_usage_in_bytes";

    public string Name => "memory";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.Memory is not { } memory)
        {
            return;
        }
        ValidateSizes(memory, errors);
        if (memory.Swappiness is > 100 and var swappiness)
        {
            errors.Add(new SpecError("linux.resources.memory.swappiness", Invariant($"must be between 0 and 100, got {swappiness}")));
        }
    }

    /// <summary>The rules of limit, reservation and swap that hold on v1 and v2 alike.</summary>
    internal static void ValidateSizes(LinuxMemory memory, ICollection<SpecError> errors)
    {
        CheckSize(memory.Limit, "limit", errors);
        CheckSize(memory.Reservation, "reservation", errors);
        CheckSize(memory.Swap, "swap", errors);
        CheckSize(memory.KernelTcp, "kernelTCP", errors);
        if (memory.Swap is > 0 and var swap && memory.Limit is > 0 and var limit && swap < limit)
        {
            errors.Add(new SpecError("linux.resources.memory.swap", Invariant($"must be -1 or at least memory.limit ({limit}), got {swap}")));
        }
        if (memory.Swap is > 0 and var limitedSwap && memory.Limit == -1)
        {
            errors.Add(new SpecError("linux.resources.memory.swap", Invariant($"must be -1 when memory.limit is -1 (unlimited), got {limitedSwap}")));
        }
    }

    private static void CheckSize(long? value, string name, ICollection<SpecError> errors)
    {
        if (value is < -1 and var v)
        {
            errors.Add(new SpecError($"linux.resources.memory.{name}", Invariant($"must be -1 (unlimited) or a number of bytes, got {v}")));
        }
    }

    public IEnumerable<string> Files(LinuxResources resources)
    {
        if (resources.Memory is not { } memory)
        {
            yield break;
        }
        if (memory.Limit is not (null or 0))
        {
            yield return LimitFile;
        }
        if (memory.Swap is not (null or 0) || memory.Limit == -1)
        {
            yield return SwapFile;
        }
        if (memory.Reservation is not (null or 0))
        {
            yield return ReservationFile;
        }
        if (memory.Swappiness is not null)
        {
            yield return SwappinessFile;
        }
        if (memory.DisableOomKiller == true)
        {
            yield return OomControlFile;
        }
        if (memory.KernelTcp is not (null or 0))
        {
            yield return KernelTcpFile;
        }
    }

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.Memory is not { } memory)
        {
            return;
        }
        long limit = memory.Limit ?? 0;
        long swap = memory.Swap ?? 0;
        if (memory.CheckBeforeUpdate == true && limit > 0)
        {
            CheckUsage(directory, UsageFile, limit);
        }
        // An unlimited memory with swap left unset means both unlimited, when the kernel accounts swap.
        // Without swap accounting there is no memsw file: an unlimited swap already holds (as on v2).
        bool swapAccounted = Path.Exists(Path.Combine(directory, SwapFile));
        if (limit == -1 && swap == 0 && swapAccounted)
        {
            swap = -1;
        }
        else if (swap == -1 && !swapAccounted)
        {
            swap = 0;
        }
        // The kernel keeps limit <= memsw at every step: raising writes memsw first, lowering the limit first.
        if (limit != 0 && swap != 0 && (swap == -1 || CgroupFiles.ReadUInt64(directory, LimitFile) < (ulong)swap))
        {
            CgroupFiles.Write(directory, SwapFile, CgroupFiles.Format(swap));
            WriteLimit(directory, limit);
        }
        else
        {
            if (limit != 0)
            {
                WriteLimit(directory, limit);
            }
            if (swap != 0)
            {
                CgroupFiles.Write(directory, SwapFile, CgroupFiles.Format(swap));
            }
        }
        if (memory.Reservation is { } reservation and not 0)
        {
            CgroupFiles.Write(directory, ReservationFile, CgroupFiles.Format(reservation));
        }
        if (memory.Swappiness is { } swappiness)
        {
            CgroupFiles.Write(directory, SwappinessFile, CgroupFiles.Format(swappiness));
        }
        if (memory.DisableOomKiller == true)
        {
            CgroupFiles.Write(directory, OomControlFile, "1");
        }
        if (memory.KernelTcp is { } kernelTcp and not 0 && HasKernelTcp(directory))
        {
            CgroupFiles.Write(directory, KernelTcpFile, CgroupFiles.Format(kernelTcp));
        }
    }

    /// <summary>Whether a memory cgroup directory has memory.kmem.tcp.limit_in_bytes (kernels with CONFIG_MEMCG_KMEM, v1).</summary>
    internal static bool HasKernelTcp(string? directory) => directory is not null && File.Exists(Path.Combine(directory, KernelTcpFile));

    private static void WriteLimit(string directory, long limit)
    {
        try
        {
            CgroupFiles.Write(directory, LimitFile, CgroupFiles.Format(limit));
        }
        catch (ContainerException ex) when (CgroupFiles.ErrnoOf(ex) == LibC.EBUSY)
        {
            // EBUSY: the cgroup uses more than the new limit and the kernel could not reclaim enough.
            ulong usage = CgroupFiles.TryReadUInt64(directory, UsageFile) ?? 0;
            ulong peak = CgroupFiles.TryReadUInt64(directory, MaxUsageFile) ?? 0;
            throw new ContainerException(
                Invariant($"Cannot set the memory limit of {directory} to {limit}: its current usage is {usage} bytes (peak {peak})."), ex);
        }
    }

    /// <summary>memory.checkBeforeUpdate: refuse a limit below what the cgroup uses now.</summary>
    internal static void CheckUsage(string directory, string usageFile, long limit)
    {
        ulong usage = CgroupFiles.ReadUInt64(directory, usageFile);
        if ((ulong)limit < usage)
        {
            throw new ContainerException(
                Invariant($"Rejecting memory limit {limit} for {directory}: below the current usage of {usage} bytes (memory.checkBeforeUpdate)."));
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        Dictionary<string, ulong> stat = CgroupFiles.ParseFlatKeyed(CgroupFiles.Read(directory, "memory.stat"));
        MemoryStats memory = stats.Memory;
        memory.Stat = stat;
        memory.Usage = CgroupFiles.ReadUInt64(directory, UsageFile);
        memory.MaxUsage = CgroupFiles.ReadUInt64(directory, MaxUsageFile);
        memory.Limit = CgroupFiles.AsLimit(CgroupFiles.ReadUInt64(directory, LimitFile));
        memory.Failcnt = CgroupFiles.ReadUInt64(directory, "memory.failcnt");
        memory.OomKills = CgroupFiles.TryRead(directory, "memory.oom_control") is { } oom
            ? CgroupFiles.ParseFlatKeyed(oom).GetValueOrDefault("oom_kill")
            : 0;
        // total_*: this cgroup and its descendants (a container may make sub-cgroups).
        memory.Cache = Hierarchical(stat, "cache");
        memory.Rss = Hierarchical(stat, "rss");
        memory.SwapUsage = Hierarchical(stat, "swap");
    }

    private static ulong Hierarchical(Dictionary<string, ulong> stat, string key) =>
        stat.TryGetValue("total_" + key, out ulong total) ? total : stat.GetValueOrDefault(key);
}

using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using static System.FormattableString;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// The v2 memory controller: memory.max (limit), memory.low (reservation) and memory.swap.max.
/// The spec's swap is memory+swap (a v1 notion); v2 limits swap alone, so memory.swap.max gets
/// swap - limit, as runc converts it. -1 is <c>max</c>; 0 leaves a value unset. swappiness,
/// disableOOMKiller, kernel and kernelTCP have no v2 file and are not written (the manager warns).
/// </summary>
internal sealed class MemoryV2 : ICgroupController
{
    private const string MaxFile = "memory.max";
    private const string LowFile = "memory.low";
    private const string SwapMaxFile = "memory.swap.max";

    public string Name => "memory";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.Memory is not { } memory)
        {
            return;
        }
        MemoryV1.ValidateSizes(memory, errors);
        if (memory.Swap is > 0 and var swap && memory.Limit is null or 0)
        {
            errors.Add(new SpecError("linux.resources.memory.swap", Invariant($"cannot be set without memory.limit on cgroup v2, got {swap}")));
        }
    }

    /// <summary>
    /// What memory.swap.max gets for a spec's swap (memory+swap) and limit, or null to leave it:
    /// swap - limit; -1 (or an unlimited memory with swap unset) is <c>max</c>; equal values are 0
    /// (no swap). Throws for combinations that Validate rejects.
    /// </summary>
    internal static string? ConvertSwap(long? swap, long? limit)
    {
        long s = swap ?? 0;
        long l = limit ?? 0;
        if (s == -1 || (l == -1 && s == 0))
        {
            return "max";
        }
        if (s == 0)
        {
            return null;
        }
        if (l <= 0 || s < l)
        {
            throw new ArgumentException(Invariant($"memory.swap {s} cannot be converted to cgroup v2 with memory.limit {l}: swap must be -1 or at least the limit."));
        }
        return CgroupFiles.Format(s - l);
    }

    private static string? LimitValue(long? value) => value switch
    {
        null or 0 => null,
        -1 => "max",
        _ => CgroupFiles.Format(value.Value),
    };

    public IEnumerable<string> Files(LinuxResources resources)
    {
        if (resources.Memory is not { } memory)
        {
            yield break;
        }
        if (memory.Swap is not (null or 0) || memory.Limit == -1)
        {
            yield return SwapMaxFile;
        }
        if (LimitValue(memory.Limit) is not null)
        {
            yield return MaxFile;
        }
        if (LimitValue(memory.Reservation) is not null)
        {
            yield return LowFile;
        }
    }

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.Memory is not { } memory)
        {
            return;
        }
        if (memory.CheckBeforeUpdate == true && memory.Limit is > 0 and var checkedLimit)
        {
            MemoryV1.CheckUsage(directory, "memory.current", checkedLimit);
        }
        // v2 files are independent of each other: no order to keep (runc writes swap first).
        if (ConvertSwap(memory.Swap, memory.Limit) is { } swap &&
            // Without swap accounting there is no memory.swap.max: "max" and "0" then already hold.
            (File.Exists(Path.Combine(directory, SwapMaxFile)) || swap is not ("max" or "0")))
        {
            CgroupFiles.Write(directory, SwapMaxFile, swap);
        }
        if (LimitValue(memory.Limit) is { } max)
        {
            CgroupFiles.Write(directory, MaxFile, max);
        }
        if (LimitValue(memory.Reservation) is { } low)
        {
            CgroupFiles.Write(directory, LowFile, low);
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        Dictionary<string, ulong> stat = CgroupFiles.ParseFlatKeyed(CgroupFiles.Read(directory, "memory.stat"));
        MemoryStats memory = stats.Memory;
        memory.Stat = stat;
        memory.Usage = CgroupFiles.ReadUInt64(directory, "memory.current");
        memory.MaxUsage = CgroupFiles.TryReadUInt64(directory, "memory.peak") ?? 0;
        memory.Limit = CgroupFiles.AsLimit(CgroupFiles.ReadUInt64(directory, MaxFile));
        memory.Cache = stat.GetValueOrDefault("file");
        memory.Rss = stat.GetValueOrDefault("anon");
        memory.SwapUsage = CgroupFiles.TryReadUInt64(directory, "memory.swap.current") ?? 0;
        Dictionary<string, ulong> events = CgroupFiles.TryRead(directory, "memory.events") is { } text ? CgroupFiles.ParseFlatKeyed(text) : [];
        memory.Failcnt = events.GetValueOrDefault("max");
        memory.OomKills = events.GetValueOrDefault("oom_kill");
    }
}

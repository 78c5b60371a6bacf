using LibContainer.Cgroups.V1;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// The v2 cpu controller: cpu.weight (converted from shares as runc does), cpu.max
/// (<c>quota period</c>, <c>max</c> for no quota), cpu.max.burst and cpu.idle; usage and
/// throttling statistics from cpu.stat. v2 has no realtime group scheduling: a realtime value is
/// a validation error.
/// </summary>
internal sealed class CpuV2 : ICgroupController
{
    public string Name => "cpu";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        CpuV1.ValidateCommon(cpu, errors);
        if (cpu.RealtimeRuntime is not (null or 0))
        {
            errors.Add(new SpecError("linux.resources.cpu.realtimeRuntime", "is not supported on cgroup v2"));
        }
        if (cpu.RealtimePeriod is not (null or 0))
        {
            errors.Add(new SpecError("linux.resources.cpu.realtimePeriod", "is not supported on cgroup v2"));
        }
    }

    /// <summary>
    /// runc's mapping of cpu.shares [2, 262144] onto cpu.weight [1, 10000]:
    /// 1 + ((shares - 2) * 9999) / 262142, so 2 is 1, 1024 is 39 and 262144 is 10000.
    /// </summary>
    internal static ulong SharesToWeight(ulong shares) => 1 + ((shares - 2) * 9999 / 262142);

    public IEnumerable<string> Files(LinuxResources resources)
    {
        if (resources.Cpu is not { } cpu)
        {
            yield break;
        }
        if (cpu.Shares is not (null or 0))
        {
            yield return "cpu.weight";
        }
        if (cpu.Quota is not (null or 0) || cpu.Period is not (null or 0))
        {
            yield return "cpu.max";
        }
        if (cpu.Burst is not null)
        {
            yield return "cpu.max.burst";
        }
        if (cpu.Idle is not null)
        {
            yield return "cpu.idle";
        }
    }

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        if (cpu.Shares is { } shares and not 0)
        {
            CgroupFiles.Write(directory, "cpu.weight", CgroupFiles.Format(SharesToWeight(shares)));
        }
        if (CpuMax(directory, cpu) is { } max)
        {
            CgroupFiles.Write(directory, "cpu.max", max);
        }
        if (cpu.Burst is { } burst)
        {
            CgroupFiles.Write(directory, "cpu.max.burst", CgroupFiles.Format(burst));
        }
        if (cpu.Idle is { } idle)
        {
            CgroupFiles.Write(directory, "cpu.idle", CgroupFiles.Format(idle));
        }
    }

    /// <summary>
    /// The line for cpu.max: <c>quota period</c>, the quota <c>max</c> for -1. With a quota only,
    /// the kernel keeps the period; with a period only, the quota in place is kept (cpu.max cannot
    /// take a period alone).
    /// </summary>
    private static string? CpuMax(string directory, LinuxCpu cpu)
    {
        string? quota = cpu.Quota switch
        {
            null or 0 => null,
            -1 => "max",
            long q => CgroupFiles.Format(q),
        };
        if (cpu.Period is not { } period || period == 0)
        {
            return quota;
        }
        quota ??= CurrentQuota(directory);
        return $"{quota} {CgroupFiles.Format(period)}";
    }

    private static string CurrentQuota(string directory)
    {
        string? current = CgroupFiles.TryRead(directory, "cpu.max");
        string[] fields = (current ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return fields.Length > 0 ? fields[0] : "max";
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // usage_usec, user_usec, system_usec, nr_periods, nr_throttled, throttled_usec ...
        Dictionary<string, ulong> stat = CgroupFiles.ParseFlatKeyed(CgroupFiles.Read(directory, "cpu.stat"));
        CpuStats cpu = stats.Cpu;
        cpu.TotalUsage = stat.GetValueOrDefault("usage_usec") * 1000;
        cpu.UserUsage = stat.GetValueOrDefault("user_usec") * 1000;
        cpu.SystemUsage = stat.GetValueOrDefault("system_usec") * 1000;
        cpu.ThrottlingPeriods = stat.GetValueOrDefault("nr_periods");
        cpu.ThrottledPeriods = stat.GetValueOrDefault("nr_throttled");
        cpu.ThrottledTime = stat.GetValueOrDefault("throttled_usec") * 1000;
    }
}

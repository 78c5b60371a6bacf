using LibContainer.Spec;
using Tmds.Linux;
using static System.FormattableString;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 cpu controller: cpu.shares, cpu.cfs_period_us / cpu.cfs_quota_us / cpu.cfs_burst_us,
/// cpu.rt_period_us / cpu.rt_runtime_us and cpu.idle; CFS throttling statistics from cpu.stat.
/// As in runc, 0 leaves shares, quota, period and the realtime values unset.
/// </summary>
internal sealed class CpuV1 : ICgroupController
{
    internal const ulong MinShares = 2;
    internal const ulong MaxShares = 262144;
    internal const ulong MinPeriod = 1000;
    internal const ulong MaxPeriod = 1000000;

    public string Name => "cpu";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        ValidateCommon(cpu, errors);
        if (cpu.RealtimeRuntime is < -1 and var runtime)
        {
            errors.Add(new SpecError("linux.resources.cpu.realtimeRuntime", Invariant($"must be -1 (unlimited) or a number of microseconds, got {runtime}")));
        }
        if (cpu.RealtimeRuntime is > 0 and var rt && cpu.RealtimePeriod is > 0 and var rtPeriod && (ulong)rt > rtPeriod)
        {
            errors.Add(new SpecError("linux.resources.cpu.realtimeRuntime", Invariant($"must not exceed cpu.realtimePeriod ({rtPeriod}), got {rt}")));
        }
    }

    /// <summary>The rules of shares, quota, period, burst and idle that hold on v1 and v2 alike.</summary>
    internal static void ValidateCommon(LinuxCpu cpu, ICollection<SpecError> errors)
    {
        if (cpu.Shares is { } shares and not 0 and (< MinShares or > MaxShares))
        {
            errors.Add(new SpecError("linux.resources.cpu.shares", Invariant($"must be between {MinShares} and {MaxShares}, got {shares}")));
        }
        if (cpu.Quota is { } quota and not 0 and not -1 and < (long)MinPeriod)
        {
            errors.Add(new SpecError("linux.resources.cpu.quota", Invariant($"must be -1 (unlimited) or at least {MinPeriod} microseconds, got {quota}")));
        }
        if (cpu.Period is { } period and not 0 and (< MinPeriod or > MaxPeriod))
        {
            errors.Add(new SpecError("linux.resources.cpu.period", Invariant($"must be between {MinPeriod} and {MaxPeriod} microseconds, got {period}")));
        }
        if (cpu.Burst is > 0 and var burst && cpu.Quota is > 0 and var limit && burst > (ulong)limit)
        {
            errors.Add(new SpecError("linux.resources.cpu.burst", Invariant($"must not exceed cpu.quota ({limit}), got {burst}")));
        }
        if (cpu.Idle is { } idle and not (0 or 1))
        {
            errors.Add(new SpecError("linux.resources.cpu.idle", Invariant($"must be 0 or 1, got {idle}")));
        }
    }

    public IEnumerable<string> Files(LinuxResources resources)
    {
        if (resources.Cpu is not { } cpu)
        {
            yield break;
        }
        if (cpu.Shares is not (null or 0))
        {
            yield return "cpu.shares";
        }
        if (cpu.Period is not (null or 0))
        {
            yield return "cpu.cfs_period_us";
        }
        if (cpu.Quota is not (null or 0))
        {
            yield return "cpu.cfs_quota_us";
        }
        if (cpu.Burst is not null)
        {
            yield return "cpu.cfs_burst_us";
        }
        if (cpu.RealtimePeriod is not (null or 0))
        {
            yield return "cpu.rt_period_us";
        }
        if (cpu.RealtimeRuntime is not (null or 0))
        {
            yield return "cpu.rt_runtime_us";
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
            CgroupFiles.Write(directory, "cpu.shares", CgroupFiles.Format(shares));
        }

        // Period (and burst) before quota, as runc: the kernel checks each write against the values
        // in place, so a smaller period may be refused (EINVAL) until the new quota is in; then it
        // is written again after the quota.
        bool hasQuota = cpu.Quota is not (null or 0);
        string? period = cpu.Period is { } p and not 0 ? CgroupFiles.Format(p) : null;
        bool retryPeriod = period is not null && WriteOrDefer(directory, "cpu.cfs_period_us", period, hasQuota);
        string? burst = cpu.Burst is { } b ? CgroupFiles.Format(b) : null;
        bool retryBurst = burst is not null && File.Exists(Path.Combine(directory, "cpu.cfs_burst_us")) &&
            WriteOrDefer(directory, "cpu.cfs_burst_us", burst, hasQuota);
        if (hasQuota)
        {
            CgroupFiles.Write(directory, "cpu.cfs_quota_us", CgroupFiles.Format(cpu.Quota!.Value));
            if (retryPeriod)
            {
                CgroupFiles.Write(directory, "cpu.cfs_period_us", period!);
            }
            if (retryBurst)
            {
                CgroupFiles.Write(directory, "cpu.cfs_burst_us", burst!);
            }
        }

        // The same dance for the realtime scheduler: runtime <= period at every step.
        bool hasRuntime = cpu.RealtimeRuntime is not (null or 0);
        string? rtPeriod = cpu.RealtimePeriod is { } rp and not 0 ? CgroupFiles.Format(rp) : null;
        bool retryRtPeriod = rtPeriod is not null && WriteOrDefer(directory, "cpu.rt_period_us", rtPeriod, hasRuntime);
        if (hasRuntime)
        {
            CgroupFiles.Write(directory, "cpu.rt_runtime_us", CgroupFiles.Format(cpu.RealtimeRuntime!.Value));
            if (retryRtPeriod)
            {
                CgroupFiles.Write(directory, "cpu.rt_period_us", rtPeriod!);
            }
        }

        if (cpu.Idle is { } idle)
        {
            CgroupFiles.Write(directory, "cpu.idle", CgroupFiles.Format(idle));
        }
    }

    /// <summary>
    /// Writes a value; when the kernel refuses it with EINVAL and <paramref name="canDefer"/> (a
    /// later write may make it acceptable), returns true instead of throwing: write it again later.
    /// </summary>
    private static bool WriteOrDefer(string directory, string file, string value, bool canDefer)
    {
        try
        {
            CgroupFiles.Write(directory, file, value);
            return false;
        }
        catch (ContainerException ex) when (canDefer && CgroupFiles.ErrnoOf(ex) == LibC.EINVAL)
        {
            return true;
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // nr_periods, nr_throttled, throttled_time (ns); the same file on a cpu,cpuacct mount.
        Dictionary<string, ulong> stat = CgroupFiles.ParseFlatKeyed(CgroupFiles.Read(directory, "cpu.stat"));
        stats.Cpu.ThrottlingPeriods = stat.GetValueOrDefault("nr_periods");
        stats.Cpu.ThrottledPeriods = stat.GetValueOrDefault("nr_throttled");
        stats.Cpu.ThrottledTime = stat.GetValueOrDefault("throttled_time");
    }
}

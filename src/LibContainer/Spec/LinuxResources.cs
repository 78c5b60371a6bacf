using System.Text.Json.Serialization;

namespace LibContainer.Spec;

// All cgroup resource records live in this file: they only ever appear under linux.resources.

/// <summary>"Cgroup resource restrictions" of <see cref="Linux.Resources"/>.</summary>
public sealed record LinuxResources
{
    /// <summary>"Configures the device allowlist", evaluated in order; the last matching rule wins.</summary>
    [JsonPropertyName("devices")]
    public List<LinuxDeviceCgroup>? Devices { get; set; }

    /// <summary>"Memory limits and accounting."</summary>
    [JsonPropertyName("memory")]
    public LinuxMemory? Memory { get; set; }

    /// <summary>"CPU shares, quota and cpuset."</summary>
    [JsonPropertyName("cpu")]
    public LinuxCpu? Cpu { get; set; }

    /// <summary>"Process number limit."</summary>
    [JsonPropertyName("pids")]
    public LinuxPids? Pids { get; set; }

    /// <summary>"Block IO weights and throttling."</summary>
    [JsonPropertyName("blockIO")]
    public LinuxBlockIO? BlockIO { get; set; }

    /// <summary>"HugeTLB limits", one entry per page size.</summary>
    [JsonPropertyName("hugepageLimits")]
    public List<LinuxHugepageLimit>? HugepageLimits { get; set; }

    /// <summary>"net_cls and net_prio settings."</summary>
    [JsonPropertyName("network")]
    public LinuxNetwork? Network { get; set; }

    /// <summary>"RDMA limits", keyed by device name (for example <c>mlx5_1</c>).</summary>
    [JsonPropertyName("rdma")]
    public Dictionary<string, LinuxRdma>? Rdma { get; set; }

    /// <summary>
    /// "Allows cgroup v2 parameters to be set": keys are interface file names (for example
    /// <c>memory.high</c>), values are written as they are.
    /// </summary>
    [JsonPropertyName("unified")]
    public Dictionary<string, string>? Unified { get; set; }
}

/// <summary>A device cgroup rule ("devices" entry of <see cref="LinuxResources"/>).</summary>
public sealed record LinuxDeviceCgroup
{
    /// <summary>"REQUIRED. Whether the entry is allowed or denied."</summary>
    [JsonPropertyName("allow")]
    public required bool Allow { get; set; }

    /// <summary>"Type of device: a (all), c (char), or b (block). Unset values mean all", like <c>a</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>"Major number for the device. Unset values mean all."</summary>
    [JsonPropertyName("major")]
    public long? Major { get; set; }

    /// <summary>"Minor number for the device. Unset values mean all."</summary>
    [JsonPropertyName("minor")]
    public long? Minor { get; set; }

    /// <summary>"Cgroup permissions for device. A composition of r (read), w (write), and m (mknod)."</summary>
    [JsonPropertyName("access")]
    public string? Access { get; set; }
}

/// <summary>Memory cgroup settings; sizes are in bytes, <c>-1</c> meaning unlimited.</summary>
public sealed record LinuxMemory
{
    /// <summary>"Sets limit of memory usage in bytes"; <c>-1</c> is unlimited.</summary>
    [JsonPropertyName("limit")]
    public long? Limit { get; set; }

    /// <summary>"Sets soft limit of memory usage in bytes."</summary>
    [JsonPropertyName("reservation")]
    public long? Reservation { get; set; }

    /// <summary>"Sets limit of memory+Swap usage"; <c>-1</c> is unlimited.</summary>
    [JsonPropertyName("swap")]
    public long? Swap { get; set; }

    /// <summary>"NOT RECOMMENDED. Sets hard limit for kernel memory usage." Ignored by current kernels.</summary>
    [JsonPropertyName("kernel")]
    public long? Kernel { get; set; }

    /// <summary>"Sets hard limit in bytes for kernel TCP buffer memory" (cgroup v1).</summary>
    [JsonPropertyName("kernelTCP")]
    public long? KernelTcp { get; set; }

    /// <summary>"Sets swappiness parameter of vmscan", 0 to 100.</summary>
    [JsonPropertyName("swappiness")]
    public ulong? Swappiness { get; set; }

    /// <summary>"Enables or disables the OOM killer."</summary>
    [JsonPropertyName("disableOOMKiller")]
    public bool? DisableOomKiller { get; set; }

    /// <summary>"Enables or disables hierarchical memory accounting" (cgroup v1).</summary>
    [JsonPropertyName("useHierarchy")]
    public bool? UseHierarchy { get; set; }

    /// <summary>"Enables container memory usage check before setting a new limit."</summary>
    [JsonPropertyName("checkBeforeUpdate")]
    public bool? CheckBeforeUpdate { get; set; }
}

/// <summary>CPU and cpuset cgroup settings; times are in microseconds.</summary>
public sealed record LinuxCpu
{
    /// <summary>"Specifies a relative share of CPU time available to the tasks in a cgroup."</summary>
    [JsonPropertyName("shares")]
    public ulong? Shares { get; set; }

    /// <summary>"Specifies the total amount of time in microseconds for which all tasks in a cgroup can run during one period"; <c>-1</c> is unlimited.</summary>
    [JsonPropertyName("quota")]
    public long? Quota { get; set; }

    /// <summary>"Specifies the maximum amount of accumulated time in microseconds for which all tasks in a cgroup can run additionally for burst during one period."</summary>
    [JsonPropertyName("burst")]
    public ulong? Burst { get; set; }

    /// <summary>"Specifies a period of time in microseconds for how regularly a cgroup's access to CPU resources should be reallocated."</summary>
    [JsonPropertyName("period")]
    public ulong? Period { get; set; }

    /// <summary>"Specifies a period of time in microseconds for the longest continuous period in which the tasks in a cgroup have access to CPU resources."</summary>
    [JsonPropertyName("realtimeRuntime")]
    public long? RealtimeRuntime { get; set; }

    /// <summary>"Same as period but applies to realtime scheduler only."</summary>
    [JsonPropertyName("realtimePeriod")]
    public ulong? RealtimePeriod { get; set; }

    /// <summary>"List of CPUs the container will run on", for example <c>0-3,7</c>.</summary>
    [JsonPropertyName("cpus")]
    public string? Cpus { get; set; }

    /// <summary>"List of memory nodes the container will run on."</summary>
    [JsonPropertyName("mems")]
    public string? Mems { get; set; }

    /// <summary>"Cgroups are configured with minimum weight, 0: default behavior, 1: SCHED_IDLE."</summary>
    [JsonPropertyName("idle")]
    public long? Idle { get; set; }
}

/// <summary>Pids cgroup settings.</summary>
public sealed record LinuxPids
{
    /// <summary>"REQUIRED. Specifies the maximum number of tasks in the cgroup"; <c>-1</c> (or 0) is unlimited.</summary>
    [JsonPropertyName("limit")]
    public required long Limit { get; set; }
}

/// <summary>Block IO cgroup settings.</summary>
public sealed record LinuxBlockIO
{
    /// <summary>"Specifies per-cgroup weight", 10 to 1000.</summary>
    [JsonPropertyName("weight")]
    public ushort? Weight { get; set; }

    /// <summary>"Equivalents of weight for the purpose of deciding how much weight tasks in the given cgroup has while competing with the cgroup's child cgroups."</summary>
    [JsonPropertyName("leafWeight")]
    public ushort? LeafWeight { get; set; }

    /// <summary>"An array of per-device bandwidth weights."</summary>
    [JsonPropertyName("weightDevice")]
    public List<LinuxWeightDevice>? WeightDevice { get; set; }

    /// <summary>"Per-device read rate limits", in bytes per second.</summary>
    [JsonPropertyName("throttleReadBpsDevice")]
    public List<LinuxThrottleDevice>? ThrottleReadBpsDevice { get; set; }

    /// <summary>"Per-device write rate limits", in bytes per second.</summary>
    [JsonPropertyName("throttleWriteBpsDevice")]
    public List<LinuxThrottleDevice>? ThrottleWriteBpsDevice { get; set; }

    /// <summary>"Per-device read rate limits", in IO operations per second.</summary>
    [JsonPropertyName("throttleReadIOPSDevice")]
    public List<LinuxThrottleDevice>? ThrottleReadIOPSDevice { get; set; }

    /// <summary>"Per-device write rate limits", in IO operations per second.</summary>
    [JsonPropertyName("throttleWriteIOPSDevice")]
    public List<LinuxThrottleDevice>? ThrottleWriteIOPSDevice { get; set; }
}

/// <summary>A per-device block IO weight.</summary>
public sealed record LinuxWeightDevice
{
    /// <summary>"REQUIRED. Major number of the device."</summary>
    [JsonPropertyName("major")]
    public required long Major { get; set; }

    /// <summary>"REQUIRED. Minor number of the device."</summary>
    [JsonPropertyName("minor")]
    public required long Minor { get; set; }

    /// <summary>"Bandwidth weight for the device", 10 to 1000.</summary>
    [JsonPropertyName("weight")]
    public ushort? Weight { get; set; }

    /// <summary>"Bandwidth weight for the device while competing with the cgroup's child cgroups, CFQ scheduler only."</summary>
    [JsonPropertyName("leafWeight")]
    public ushort? LeafWeight { get; set; }
}

/// <summary>A per-device block IO rate limit.</summary>
public sealed record LinuxThrottleDevice
{
    /// <summary>"REQUIRED. Major number of the device."</summary>
    [JsonPropertyName("major")]
    public required long Major { get; set; }

    /// <summary>"REQUIRED. Minor number of the device."</summary>
    [JsonPropertyName("minor")]
    public required long Minor { get; set; }

    /// <summary>"REQUIRED. IO rate limit for the device."</summary>
    [JsonPropertyName("rate")]
    public required ulong Rate { get; set; }
}

/// <summary>A HugeTLB limit for one page size.</summary>
public sealed record LinuxHugepageLimit
{
    /// <summary>"REQUIRED. Hugepage size", of the form <c>&lt;size&gt;&lt;unit-prefix&gt;B</c>, for example <c>2MB</c>.</summary>
    [JsonPropertyName("pageSize")]
    public required string PageSize { get; set; }

    /// <summary>"REQUIRED. Limit in bytes of hugepagesize HugeTLB reservations (if supported) or usage."</summary>
    [JsonPropertyName("limit")]
    public required ulong Limit { get; set; }
}

/// <summary>net_cls and net_prio cgroup settings.</summary>
public sealed record LinuxNetwork
{
    /// <summary>"The network class identifier the cgroup's network packets will be tagged with."</summary>
    [JsonPropertyName("classID")]
    public uint? ClassId { get; set; }

    /// <summary>"The priority of network traffic per interface."</summary>
    [JsonPropertyName("priorities")]
    public List<LinuxInterfacePriority>? Priorities { get; set; }
}

/// <summary>The net_prio priority of one network interface.</summary>
public sealed record LinuxInterfacePriority
{
    /// <summary>"REQUIRED. Interface name in runtime network namespace."</summary>
    [JsonPropertyName("name")]
    public required string Name { get; set; }

    /// <summary>"REQUIRED. Priority applied to the interface."</summary>
    [JsonPropertyName("priority")]
    public required uint Priority { get; set; }
}

/// <summary>RDMA cgroup limits of one device.</summary>
public sealed record LinuxRdma
{
    /// <summary>"The maximum number of hca_handles in the cgroup."</summary>
    [JsonPropertyName("hcaHandles")]
    public uint? HcaHandles { get; set; }

    /// <summary>"The maximum number of hca_objects in the cgroup."</summary>
    [JsonPropertyName("hcaObjects")]
    public uint? HcaObjects { get; set; }
}

using LibContainer.Spec;

namespace LibContainer.Cgroups;

/// <summary>The cgroup interface version a controller is used through.</summary>
internal enum CgroupVersion
{
    V1 = 1,
    V2 = 2,
}

/// <summary>
/// One resource controller (memory, cpu, pids ...) of one cgroup version: checks the part of
/// linux.resources it owns, writes it into a cgroup directory, and reads its statistics back.
/// The manager picks v1 or v2 per controller at run time (a hybrid host mixes them).
/// </summary>
internal interface ICgroupController
{
    /// <summary>The controller's kernel name: memory, cpu, cpuacct, cpuset, pids, blkio (v1) / io (v2), hugetlb, devices, net_cls, net_prio, freezer.</summary>
    string Name { get; }

    CgroupVersion Version { get; }

    /// <summary>
    /// Adds an error for every value of <paramref name="resources"/> this controller cannot apply,
    /// naming its JSON path (<c>linux.resources.memory.limit</c>) and the reason. Touches no cgroup.
    /// </summary>
    void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors);

    /// <summary>The files in a cgroup directory that <see cref="Apply"/> may write (saved before a Set, restored if it fails).</summary>
    IEnumerable<string> Files(LinuxResources resources);

    /// <summary>Writes the resources this controller owns into <paramref name="directory"/>; unset values are left alone.</summary>
    void Apply(string directory, LinuxResources resources);

    /// <summary>Reads this controller's statistics from <paramref name="directory"/> into <paramref name="stats"/>.</summary>
    void ReadStats(string directory, ContainerStats stats);
}

/// <summary>Facts about the host that validation needs: its CPUs, memory nodes and huge page sizes.</summary>
internal sealed record CgroupHostInfo
{
    /// <summary>Online CPUs (from /sys/devices/system/cpu/online).</summary>
    public required IReadOnlySet<int> Cpus { get; init; }

    /// <summary>Online memory nodes (from /sys/devices/system/node/online, or {0}).</summary>
    public required IReadOnlySet<int> MemoryNodes { get; init; }

    /// <summary>Huge page sizes as the cgroup files name them: "2MB", "1GB" (from /sys/kernel/mm/hugepages).</summary>
    public required IReadOnlySet<string> HugePageSizes { get; init; }
}

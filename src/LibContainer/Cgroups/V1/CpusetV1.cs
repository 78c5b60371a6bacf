using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 cpuset controller: cpuset.cpus and cpuset.mems. A v1 cpuset refuses tasks while either
/// file is empty, so a new cgroup must first get its parent's values (the manager copies them
/// right after mkdir); an empty string in the spec leaves a file alone.
/// </summary>
internal sealed class CpusetV1 : ICgroupController
{
    public string Name => "cpuset";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors) =>
        ValidateLists(resources, host, errors);

    /// <summary>cpus and mems must be well-formed lists of the host's online CPUs and memory nodes (v1 and v2).</summary>
    internal static void ValidateLists(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        CheckList(cpu.Cpus, "linux.resources.cpu.cpus", "CPU", "CPUs", host.Cpus, errors);
        CheckList(cpu.Mems, "linux.resources.cpu.mems", "memory node", "memory nodes", host.MemoryNodes, errors);
    }

    private static void CheckList(string? list, string path, string one, string many, IReadOnlySet<int> online, ICollection<SpecError> errors)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return;
        }
        if (!CgroupFiles.TryParseCpuList(list, out SortedSet<int>? wanted))
        {
            errors.Add(new SpecError(path, $"must be a list such as \"0-3,7\", got \"{list}\""));
            return;
        }
        int[] missing = wanted.Where(n => !online.Contains(n)).ToArray();
        if (missing.Length > 0)
        {
            string what = missing.Length == 1 ? $"{one} {CgroupFiles.FormatCpuList(missing)} does not exist" : $"{many} {CgroupFiles.FormatCpuList(missing)} do not exist";
            errors.Add(new SpecError(path, $"{what} (online: {CgroupFiles.FormatCpuList(online)})"));
        }
    }

    public IEnumerable<string> Files(LinuxResources resources) => ListFiles(resources);

    internal static IEnumerable<string> ListFiles(LinuxResources resources)
    {
        if (!string.IsNullOrWhiteSpace(resources.Cpu?.Cpus))
        {
            yield return "cpuset.cpus";
        }
        if (!string.IsNullOrWhiteSpace(resources.Cpu?.Mems))
        {
            yield return "cpuset.mems";
        }
    }

    public void Apply(string directory, LinuxResources resources) => WriteLists(directory, resources);

    internal static void WriteLists(string directory, LinuxResources resources)
    {
        if (resources.Cpu is not { } cpu)
        {
            return;
        }
        if (!string.IsNullOrWhiteSpace(cpu.Cpus))
        {
            CgroupFiles.Write(directory, "cpuset.cpus", cpu.Cpus.Trim());
        }
        if (!string.IsNullOrWhiteSpace(cpu.Mems))
        {
            CgroupFiles.Write(directory, "cpuset.mems", cpu.Mems.Trim());
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}

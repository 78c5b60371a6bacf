using LibContainer.Cgroups.V1;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// The v2 cpuset controller: cpuset.cpus and cpuset.mems. Unlike v1, an empty file means "the
/// parent's", so a new cgroup needs nothing copied; an empty string in the spec leaves a file alone.
/// </summary>
internal sealed class CpusetV2 : ICgroupController
{
    public string Name => "cpuset";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors) =>
        CpusetV1.ValidateLists(resources, host, errors);

    public IEnumerable<string> Files(LinuxResources resources) => CpusetV1.ListFiles(resources);

    public void Apply(string directory, LinuxResources resources) => CpusetV1.WriteLists(directory, resources);

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}

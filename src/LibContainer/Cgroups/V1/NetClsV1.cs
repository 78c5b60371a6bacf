using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>The v1 net_cls controller: net_cls.classid, the class id the cgroup's packets are tagged with.</summary>
internal sealed class NetClsV1 : ICgroupController
{
    public string Name => "net_cls";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        // Every 32-bit class id is valid.
    }

    public IEnumerable<string> Files(LinuxResources resources) => resources.Network?.ClassId is null ? [] : ["net_cls.classid"];

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.Network?.ClassId is { } classId)
        {
            CgroupFiles.Write(directory, "net_cls.classid", CgroupFiles.Format(classId));
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}

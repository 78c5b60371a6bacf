using LibContainer.Cgroups.V1;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V2;

/// <summary>The v2 pids controller: pids.max (a limit of 0 or less is <c>max</c>); pids.current and pids.max as statistics.</summary>
internal sealed class PidsV2 : ICgroupController
{
    public string Name => "pids";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        // Any limit is valid: 0 or less means no limit.
    }

    public IEnumerable<string> Files(LinuxResources resources) => resources.Pids is null ? [] : ["pids.max"];

    public void Apply(string directory, LinuxResources resources) => PidsV1.WriteMax(directory, resources);

    public void ReadStats(string directory, ContainerStats stats) => PidsV1.ReadCounts(directory, stats);
}

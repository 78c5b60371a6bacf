using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 freezer controller as a resource controller: nothing to validate, set or read. It is
/// listed so that the manager finds (and creates) the container's directory in the freezer
/// hierarchy; freezing itself is <see cref="Freezer"/>.
/// </summary>
internal sealed class FreezerV1 : ICgroupController
{
    public string Name => "freezer";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        // No resources.
    }

    public IEnumerable<string> Files(LinuxResources resources) => [];

    public void Apply(string directory, LinuxResources resources)
    {
        // No resources.
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}

using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>The v1 pids controller: pids.max (a limit of 0 or less is <c>max</c>); pids.current and pids.max as statistics.</summary>
internal sealed class PidsV1 : ICgroupController
{
    public string Name => "pids";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        // Any limit is valid: 0 or less means no limit.
    }

    public IEnumerable<string> Files(LinuxResources resources) => resources.Pids is null ? [] : ["pids.max"];

    public void Apply(string directory, LinuxResources resources) => WriteMax(directory, resources);

    /// <summary>pids.max from linux.resources.pids (the same on v1 and v2).</summary>
    internal static void WriteMax(string directory, LinuxResources resources)
    {
        if (resources.Pids is { } pids)
        {
            CgroupFiles.Write(directory, "pids.max", pids.Limit > 0 ? CgroupFiles.Format(pids.Limit) : "max");
        }
    }

    public void ReadStats(string directory, ContainerStats stats) => ReadCounts(directory, stats);

    /// <summary>pids.current and pids.max (the same on v1 and v2).</summary>
    internal static void ReadCounts(string directory, ContainerStats stats)
    {
        stats.Pids.Current = CgroupFiles.ReadUInt64(directory, "pids.current");
        stats.Pids.Limit = CgroupFiles.AsLimit(CgroupFiles.ReadUInt64(directory, "pids.max"));
    }
}

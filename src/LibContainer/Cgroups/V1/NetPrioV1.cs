using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>The v1 net_prio controller: one <c>name priority</c> write to net_prio.ifpriomap per interface.</summary>
internal sealed class NetPrioV1 : ICgroupController
{
    /// <summary>IFNAMSIZ less the terminating NUL.</summary>
    private const int MaxInterfaceName = 15;

    public string Name => "net_prio";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        List<LinuxInterfacePriority> priorities = resources.Network?.Priorities ?? [];
        for (int i = 0; i < priorities.Count; i++)
        {
            string name = priorities[i].Name;
            if (name.Length is 0 or > MaxInterfaceName || name.Any(c => char.IsWhiteSpace(c) || c == '/' || char.IsControl(c)))
            {
                errors.Add(new SpecError($"linux.resources.network.priorities[{i}].name",
                    $"must be an interface name of 1 to {MaxInterfaceName} characters without spaces or '/', got \"{name}\""));
            }
        }
    }

    public IEnumerable<string> Files(LinuxResources resources) =>
        resources.Network?.Priorities is { Count: > 0 } ? ["net_prio.ifpriomap"] : [];

    public void Apply(string directory, LinuxResources resources)
    {
        foreach (LinuxInterfacePriority priority in resources.Network?.Priorities ?? [])
        {
            CgroupFiles.Write(directory, "net_prio.ifpriomap", $"{priority.Name} {CgroupFiles.Format(priority.Priority)}");
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}

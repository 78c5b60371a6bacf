using LibContainer.Spec;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// linux.resources.unified: each key is a cgroup v2 interface file (<c>memory.high</c>), its value
/// written as it is, in the order of the map. Apply it after the other v2 controllers so that its
/// values win, as runc does. Not a kernel controller: the name is <c>unified</c>.
/// </summary>
internal sealed class UnifiedV2 : ICgroupController
{
    public string Name => "unified";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        foreach (string key in (resources.Unified ?? []).Keys)
        {
            string path = $"linux.resources.unified[\"{key}\"]";
            if (key.Contains('/', StringComparison.Ordinal) || key.Contains("..", StringComparison.Ordinal))
            {
                errors.Add(new SpecError(path, "must be a file name of the cgroup directory, without \"/\" or \"..\""));
            }
            else if (key.IndexOf('.', StringComparison.Ordinal) is <= 0 || key.EndsWith('.') || key.Any(char.IsWhiteSpace))
            {
                errors.Add(new SpecError(path, "must name a cgroup v2 interface file in the form controller.name, such as memory.high"));
            }
        }
    }

    public IEnumerable<string> Files(LinuxResources resources) => (resources.Unified ?? []).Keys;

    public void Apply(string directory, LinuxResources resources)
    {
        foreach ((string key, string value) in resources.Unified ?? [])
        {
            if (!File.Exists(Path.Combine(directory, key)))
            {
                // The usual cause: the controller is not enabled here (cgroup.subtree_control of the parent).
                string controller = key.Split('.')[0];
                string available = CgroupFiles.TryRead(directory, "cgroup.controllers")?.Trim() ?? "";
                throw new ContainerException(
                    $"Cannot set linux.resources.unified[\"{key}\"]: {directory} has no file {key}" +
                    (controller == "cgroup" ? "." : $"; its controllers are \"{available}\", is {controller} enabled?"));
            }
            CgroupFiles.Write(directory, key, value);
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}

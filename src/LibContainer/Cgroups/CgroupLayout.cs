using LibContainer.Interop;
using LibContainer.Rootfs;

namespace LibContainer.Cgroups;

/// <summary>
/// How this host mounts cgroups, read once from /proc/self/mountinfo and /proc/self/cgroup: the v1
/// hierarchies with their controllers, and the cgroup2 (unified) hierarchy with the controllers it
/// holds. A controller is used through v2 when the unified hierarchy has it, else through v1:
/// hybrid hosts (v1 controllers beside a cgroup2 mount) get both.
/// </summary>
internal sealed record CgroupLayout
{
    /// <summary>The v1 hierarchies (one per mount of type cgroup).</summary>
    public required IReadOnlyList<CgroupHierarchyMount> V1 { get; init; }

    /// <summary>The cgroup2 hierarchy, if mounted.</summary>
    public CgroupHierarchyMount? Unified { get; init; }

    /// <summary>The controllers enabled at the root of the unified hierarchy (its cgroup.controllers).</summary>
    public IReadOnlySet<string> UnifiedControllers { get; init; } = new HashSet<string>();

    /// <summary>A unified-only host: cgroup2 at /sys/fs/cgroup and no v1 hierarchy.</summary>
    public bool IsUnifiedOnly => V1.Count == 0 && Unified is not null;

    /// <summary>Which version serves <paramref name="controller"/>, or null when the host has it nowhere.</summary>
    public CgroupVersion? VersionOf(string controller) =>
        UnifiedControllers.Contains(controller) ? CgroupVersion.V2
        : V1.Any(h => h.Controllers.Contains(controller)) ? CgroupVersion.V1
        : null;

    /// <summary>The v1 hierarchy that holds <paramref name="controller"/>.</summary>
    public CgroupHierarchyMount? V1Hierarchy(string controller) => V1.FirstOrDefault(h => h.Controllers.Contains(controller));

    public static CgroupLayout FromHost()
    {
        string[] cgroup = Sys.ReadLines("/proc/self/cgroup");
        CgroupLayout layout = Parse(MountInfo.HostLines, cgroup);
        if (layout.Unified is { } unified && Sys.TryReadText(Path.Combine(unified.MountPoint, "cgroup.controllers")) is { } controllers)
        {
            layout = layout with { UnifiedControllers = controllers.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) };
        }
        return layout;
    }

    /// <summary>Parses mountinfo and /proc/self/cgroup lines (unit tests feed them by hand).</summary>
    public static CgroupLayout Parse(IEnumerable<string> mountInfo, IEnumerable<string> ownCgroups)
    {
        // /proc/self/cgroup: "4:memory:/a/b", "1:name=systemd:/", "0::/a"
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in ownCgroups)
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length == 3)
            {
                own[parts[1]] = parts[2];
            }
        }

        var v1 = new List<CgroupHierarchyMount>();
        CgroupHierarchyMount? unified = null;
        foreach (MountInfo mount in MountInfo.Parse(mountInfo))
        {
            string mountPoint = mount.MountPoint;
            string root = mount.Root;
            if (mount.FsType == "cgroup2")
            {
                if (unified is null || (!IsUnderSysFsCgroup(unified.MountPoint) && IsUnderSysFsCgroup(mountPoint)))
                {
                    unified = new CgroupHierarchyMount(mountPoint, root, new HashSet<string>(), own.GetValueOrDefault("", "/"));
                }
            }
            else if (mount.FsType == "cgroup")
            {
                var controllers = mount.SuperOptions.Split(',')
                    .Where(o => o is not ("rw" or "ro") && !o.Contains('=', StringComparison.Ordinal) && o is not ("xattr" or "noprefix" or "clone_children" or "cpuset_v2_mode"))
                    .ToHashSet(StringComparer.Ordinal);
                string? name = mount.SuperOptions.Split(',').FirstOrDefault(o => o.StartsWith("name=", StringComparison.Ordinal));
                string key = name ?? string.Join(',', controllers.Order(StringComparer.Ordinal));
                string ownPath = own.FirstOrDefault(p => p.Key == key || (p.Key.Length > 0 && p.Key.Split(',').ToHashSet().SetEquals(controllers))).Value ?? "/";
                if (v1.Any(h => h.MountPoint == mountPoint))
                {
                    continue;
                }
                // A hierarchy mounted twice (CRIU mounts its own copies under /tmp while it runs) is one
                // hierarchy: the mount under /sys/fs/cgroup is the one to use, else the first.
                var hierarchy = new CgroupHierarchyMount(mountPoint, root, controllers, ownPath, name);
                int same = v1.FindIndex(h => h.Name == name && h.Controllers.SetEquals(controllers));
                if (same < 0)
                {
                    v1.Add(hierarchy);
                }
                else if (!IsUnderSysFsCgroup(v1[same].MountPoint) && IsUnderSysFsCgroup(mountPoint))
                {
                    v1[same] = hierarchy;
                }
            }
        }
        return new CgroupLayout { V1 = v1, Unified = unified };
    }

    private static bool IsUnderSysFsCgroup(string mountPoint) =>
        mountPoint == "/sys/fs/cgroup" || mountPoint.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal);
}

/// <summary>One mounted cgroup hierarchy: where, which controllers, and this process's cgroup in it.</summary>
/// <param name="MountPoint">Where it is mounted (/sys/fs/cgroup/memory).</param>
/// <param name="Root">The mount's root inside the hierarchy (mountinfo field 4; "/" unless in a cgroup namespace).</param>
/// <param name="Controllers">Its controllers (empty for cgroup2 and for named hierarchies).</param>
/// <param name="OwnPath">This process's cgroup in it (from /proc/self/cgroup).</param>
/// <param name="Name">The name= of a named v1 hierarchy (name=systemd).</param>
internal sealed record CgroupHierarchyMount(string MountPoint, string Root, IReadOnlySet<string> Controllers, string OwnPath, string? Name = null)
{
    /// <summary>The directory of cgroup <paramref name="path"/> (absolute in the hierarchy) under this mount.</summary>
    public string Directory(string path)
    {
        string relative = path;
        if (Root != "/" && relative.StartsWith(Root, StringComparison.Ordinal))
        {
            relative = relative[Root.Length..];
        }
        return System.IO.Path.Join(MountPoint, relative.TrimStart('/'));
    }
}

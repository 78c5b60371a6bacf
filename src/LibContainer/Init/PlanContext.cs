using LibContainer.Interop;
using LibContainer.Rootfs;

namespace LibContainer.Init;

/// <summary>
/// The facts about the host and this container that a plan needs beyond the spec. Gathered once by
/// <see cref="PlanContext.FromHost"/>; unit tests build one by hand, so plans are built without a kernel.
/// </summary>
internal sealed record PlanContext
{
    /// <summary>The absolute root filesystem (root.path resolved against the bundle).</summary>
    public required string RootfsPath { get; init; }

    /// <summary>The bundle directory, for mount sources given relative to it.</summary>
    public string? BundlePath { get; init; }

    /// <summary>The library runs without root: setgroups is denied in the container's user namespace.</summary>
    public bool Rootless { get; init; }

    /// <summary>The container's id (the name of its session keyring).</summary>
    public string? ContainerId { get; init; }

    /// <summary>Keep the caller's session keyring (runc's --no-new-keyring).</summary>
    public bool NoNewKeyring { get; init; }

    /// <summary>Whether AppArmor is enabled on the host.</summary>
    public bool HostHasAppArmor { get; init; }

    /// <summary>Whether SELinux is enabled on the host.</summary>
    public bool HostHasSelinux { get; init; }

    /// <summary>How many extra files the caller passes (they appear at fd 3 on).</summary>
    public int ExtraFiles { get; init; }

    /// <summary>The fd number of the exec fifo (O_PATH) in the init.</summary>
    public int FifoFd => InitSession.FifoFd(ExtraFiles);

    /// <summary>The container's cgroups, for the new process to enter by itself (none: rootless, or a plan only explained).</summary>
    public CgroupJoin? CgroupJoin { get; init; }

    /// <summary>Set LISTEN_PID to the process's own pid at exec (socket activation of the extra files).</summary>
    public bool ListenFds { get; init; }

    /// <summary>The container's init gets SIGKILL when the library's process exits (ContainerOptions.KillOnHostExit).</summary>
    public bool KillOnHostExit { get; init; }

    /// <summary>Use MS_MOVE + chroot instead of pivot_root (for a root on ramfs, where pivot_root fails).</summary>
    public bool NoPivotRoot { get; init; }

    /// <summary>Whether the host has /proc/kcore (then /dev/core links to it, as runc does).</summary>
    public bool HostHasKcore { get; init; }

    /// <summary>The capabilities a container can be granted here: the runtime's own bounding set.</summary>
    public ulong GrantableCapabilities { get; init; } = Security.Capabilities.All;

    /// <summary>The host's cgroup hierarchies, mounted the same way at a spec's cgroup mount.</summary>
    public IReadOnlyList<CgroupHierarchy> CgroupHierarchies { get; init; } = [];

    /// <summary>
    /// The home directory of <paramref name="uid"/> in the root's /etc/passwd, or "/" (runc's and crun's default).
    /// A symlinked /etc or passwd is not followed: it could name a file of the host.
    /// </summary>
    public string HomeOf(uint uid)
    {
        string etc = Path.Combine(RootfsPath, "etc");
        string passwd = Path.Combine(etc, "passwd");
        try
        {
            if (new DirectoryInfo(etc).LinkTarget is not null || new FileInfo(passwd) is not { Exists: true, LinkTarget: null } file || file.Length > 1 << 20)
            {
                return "/";
            }
            string id = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string line in File.ReadLines(passwd))
            {
                string[] fields = line.Split(':');
                if (fields.Length >= 7 && fields[2] == id && fields[5].StartsWith('/'))
                {
                    return fields[5];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return "/";
    }

    /// <summary>The facts of this host, read once per process (they do not change under a running host).</summary>
    private static readonly Lazy<PlanContext> s_host = new(() => new PlanContext
    {
        RootfsPath = "/",
        HostHasKcore = File.Exists("/proc/kcore"),
        Rootless = !Security.Rootless.IsRoot,
        HostHasAppArmor = Sys.TryReadText("/sys/module/apparmor/parameters/enabled")?.StartsWith('Y') == true,
        HostHasSelinux = File.Exists("/sys/fs/selinux/enforce"),
        CgroupHierarchies = CgroupHierarchy.FromMountInfo(MountInfo.HostLines),
        GrantableCapabilities = Security.Capabilities.ReadBoundingSet(),
    });

    /// <summary><see cref="GrantableCapabilities"/> of this host.</summary>
    public static ulong HostGrantableCapabilities => s_host.Value.GrantableCapabilities;

    public static PlanContext FromHost(string rootfsPath, string? bundlePath, bool noPivotRoot, int extraFiles = 0, bool listenFds = false) => s_host.Value with
    {
        RootfsPath = rootfsPath,
        BundlePath = bundlePath,
        NoPivotRoot = noPivotRoot,
        ExtraFiles = extraFiles,
        ListenFds = listenFds,
    };
}

/// <summary>One mounted cgroup hierarchy: its directory under /sys/fs/cgroup, type and options.</summary>
internal sealed record CgroupHierarchy(string Name, string FsType, string Options)
{
    /// <summary>
    /// Reads the cgroup mounts under /sys/fs/cgroup from mountinfo lines
    /// (<c>36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory</c>).
    /// </summary>
    public static IReadOnlyList<CgroupHierarchy> FromMountInfo(IEnumerable<string> lines)
    {
        var result = new List<CgroupHierarchy>();
        foreach (MountInfo mount in MountInfo.Parse(lines))
        {
            string mountPoint = mount.MountPoint;
            string fsType = mount.FsType;
            const string Prefix = "/sys/fs/cgroup/";
            if (fsType == "cgroup2" && mountPoint == "/sys/fs/cgroup")
            {
                result.Add(new CgroupHierarchy("", fsType, "")); // a unified host: one hierarchy at the top
                continue;
            }
            if (fsType is not ("cgroup" or "cgroup2") || !mountPoint.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            string name = mountPoint[Prefix.Length..];
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }
            // Keep the hierarchy's identity (controllers, name=) and drop rw/ro and the like.
            string options = fsType == "cgroup2" ? "" : string.Join(',', mount.SuperOptions.Split(',')
                .Where(o => o is not ("rw" or "ro") && !o.StartsWith("release_agent", StringComparison.Ordinal)));
            result.Add(new CgroupHierarchy(name, fsType, options));
        }
        return result;
    }
}

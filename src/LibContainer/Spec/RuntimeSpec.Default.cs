namespace LibContainer.Spec;

public sealed partial record RuntimeSpec
{
    /// <summary>The OCI runtime-spec version this library implements and writes.</summary>
    public const string CurrentOciVersion = "1.2.0";

    /// <summary>
    /// Creates the example spec that <c>runc spec</c> writes: <c>sh</c> on a terminal (set
    /// <c>Process.Terminal = false</c> to pipe its stdio instead) as root in a read-only
    /// <c>rootfs</c>, with new pid, network, ipc, uts, mount and cgroup namespaces, the usual
    /// <c>/proc</c>, <c>/dev</c>, <c>/sys</c> mounts, masked and read-only paths, and all devices denied.
    /// </summary>
    /// <returns>A new spec; every call returns a new, independent object graph.</returns>
    public static RuntimeSpec CreateDefault()
    {
        List<string> DefaultCapabilities() => ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

        return new RuntimeSpec
        {
            OciVersion = CurrentOciVersion,
            Root = new Root { Path = "rootfs", Readonly = true },
            Process = new Process
            {
                Terminal = true,
                User = new User { Uid = 0, Gid = 0 },
                Args = ["sh"],
                Env =
                [
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm",
                ],
                Cwd = "/",
                Capabilities = new LinuxCapabilities
                {
                    Bounding = DefaultCapabilities(),
                    Effective = DefaultCapabilities(),
                    Permitted = DefaultCapabilities(),
                },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Hostname = "libcontainer",
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new Mount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new Mount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new Linux
            {
                Resources = new LinuxResources
                {
                    Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }],
                },
                Namespaces =
                [
                    new LinuxNamespace { Type = "pid" },
                    new LinuxNamespace { Type = "network" },
                    new LinuxNamespace { Type = "ipc" },
                    new LinuxNamespace { Type = "uts" },
                    new LinuxNamespace { Type = "mount" },
                    new LinuxNamespace { Type = "cgroup" },
                ],
                MaskedPaths =
                [
                    "/proc/acpi",
                    "/proc/asound",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/sys/firmware",
                    "/proc/scsi",
                    "/sys/devices/virtual/tpm",
                ],
                ReadonlyPaths =
                [
                    "/proc/bus",
                    "/proc/fs",
                    "/proc/irq",
                    "/proc/sys",
                    "/proc/sysrq-trigger",
                ],
            },
        };
    }

    /// <summary>
    /// Creates the rootless variant of <see cref="CreateDefault"/> (<c>runc spec --rootless</c>): a new user
    /// namespace mapping container root to <paramref name="hostUid"/>/<paramref name="hostGid"/>, the host's
    /// network namespace, <c>/sys</c> bind-mounted from the host, no <c>uid=</c>/<c>gid=</c> mount options and
    /// no cgroup resources.
    /// </summary>
    /// <param name="hostUid">The host user that container root maps to, usually the caller's effective uid.</param>
    /// <param name="hostGid">The host group that container root maps to, usually the caller's effective gid.</param>
    /// <returns>A new spec.</returns>
    public static RuntimeSpec CreateRootless(uint hostUid, uint hostGid)
    {
        RuntimeSpec spec = CreateDefault();
        Linux linux = spec.Linux!;

        linux.Namespaces!.RemoveAll(ns => ns.Type is "network" or "user");
        linux.Namespaces.Add(new LinuxNamespace { Type = "user" });
        linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = hostUid, Size = 1 }];
        linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = hostGid, Size = 1 }];

        var mounts = new List<Mount>(spec.Mounts!.Count);
        foreach (Mount mount in spec.Mounts)
        {
            if (mount.Destination == "/sys")
            {
                mounts.Add(new Mount { Destination = "/sys", Type = "none", Source = "/sys", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] });
                continue;
            }
            mount.Options?.RemoveAll(o => o.StartsWith("uid=", StringComparison.Ordinal) || o.StartsWith("gid=", StringComparison.Ordinal));
            mounts.Add(mount);
        }
        spec.Mounts = mounts;
        linux.Resources = null;
        return spec;
    }

    /// <summary>
    /// <see cref="CreateRootless(uint, uint)"/> for the calling process: container root maps to its
    /// effective uid and gid, as <c>runc spec --rootless</c> run by that user writes.
    /// </summary>
    /// <returns>A new spec.</returns>
    public static RuntimeSpec CreateRootless() => CreateRootless(Tmds.Linux.LibC.geteuid(), Tmds.Linux.LibC.getegid());
}

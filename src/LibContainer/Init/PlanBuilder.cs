using System.Globalization;
using System.Text;
using LibContainer.Rootfs;
using LibContainer.Security;
using LibContainer.Spec;

namespace LibContainer.Init;

/// <summary>
/// Compiles a validated spec into an <see cref="InitPlan"/>. All policy lives here: which mounts,
/// in which order, which devices and links, what to mask; the native init only executes the steps.
/// The order follows runc's: mounts, devices, pivot_root, hostname, sysctl, read-only and masked
/// paths, read-only root, rlimits, credentials, cwd, the executable, ready, exec fifo, exec.
/// </summary>
internal sealed class PlanBuilder
{
    private const long MS_RDONLY = (long)MountFlags.MS_RDONLY, MS_NOSUID = (long)MountFlags.MS_NOSUID;
    private const long MS_NODEV = (long)MountFlags.MS_NODEV, MS_NOEXEC = (long)MountFlags.MS_NOEXEC;
    private const long MS_BIND = (long)MountFlags.MS_BIND, MS_REC = (long)MountFlags.MS_REC, MS_SLAVE = (long)MountFlags.MS_SLAVE;
    private const long PropagationMask = (long)MountFlags.MS_PROPAGATION;
    private const long S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFIFO = 0x1000;
    private const int MaxVectorEntries = 8192; // LC_MAX_VECTOR in lc.h

    private static readonly (string Name, uint Major, uint Minor)[] s_defaultDevices =
    [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
        ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ];

    private readonly RuntimeSpec _spec;
    private readonly PlanContext _context;
    private readonly List<InitStep> _steps = [];
    private readonly List<IdMappedMount> _idMapped = [];
    private readonly List<string> _warnings = [];

    private PlanBuilder(RuntimeSpec spec, PlanContext context)
    {
        _spec = spec;
        _context = context;
    }

    /// <summary>Builds the plan of a spec that <see cref="SpecValidator"/> accepted.</summary>
    public static InitPlan Build(RuntimeSpec spec, PlanContext context)
    {
        var builder = new PlanBuilder(spec, context);
        builder.AddNamespaces();
        builder.AddRootfs();
        builder.AddProcess(builder.SpecProcess, exec: false);
        return new InitPlan(builder._steps, builder._idMapped, builder._warnings);
    }

    /// <summary>
    /// The plan of an exec: join every namespace of the running container (through its init's
    /// /proc/pid/ns files: user first, mount last), clone into them (the pid namespace takes the
    /// child) and into the container's cgroups, wait for the library's go, then the process's own
    /// settings.
    /// </summary>
    public static InitPlan BuildExec(RuntimeSpec container, Process process, int initPid, PlanContext context)
    {
        var builder = new PlanBuilder(container, context);
        var namespaces = container.Linux?.Namespaces ?? [];
        foreach (LinuxNamespace ns in namespaces.OrderBy(n => n.Type switch { "user" => 0, "mount" => 2, _ => 1 }))
        {
            if (!LinuxNamespaceTypes.TryParse(ns.Type, out LinuxNamespaceType type))
            {
                continue;
            }
            string path = $"/proc/{initPid}/ns/{type.ToProcName()}";
            builder.Add(new InitStep(InitOp.SetNs, $"join the container's {ns.Type} namespace {path}") { A = (long)type, Strings = [Str(path)], Path = path });
        }
        builder.AddClone("clone the process into the container's namespaces", 0);
        builder.Add(new InitStep(InitOp.WaitGo, "wait for the library"));
        if (process.Terminal)
        {
            builder.AddConsole(process);
        }
        builder.AddProcess(process, exec: true);
        return new InitPlan(builder._steps, warnings: builder._warnings);
    }

    private void AddConsole(Process process)
    {
        Add(new InitStep(InitOp.Console, $"open a pty in the container's /dev/pts{(process.ConsoleSize is { } size ? $" ({size.Height}x{size.Width})" : "")}, hand its master to the library, make it the controlling terminal and stdio", "process.terminal")
        {
            A = (long)(process.ConsoleSize?.Height ?? 0),
            B = (long)(process.ConsoleSize?.Width ?? 0),
            Path = "/dev/ptmx",
        });
    }

    private void AddHooks(List<Hook>? hooks, string field, int state)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            Hook hook = hooks![i];
            List<string> args = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            List<string> env = hook.Env ?? [];
            Add(new InitStep(InitOp.RunHook, $"run hook {hook.Path}{(hook.Timeout is int t ? $" (timeout {t} s)" : "")}", $"{field}[{i}]")
            {
                A = args.Count,
                B = env.Count,
                C = ((long)state << 32) | (uint)(hook.Timeout ?? 0),
                Strings = [Str(hook.Path, $"{field}[{i}].path"), Vector(args, $"{field}[{i}].args"), Vector(env, $"{field}[{i}].env")],
                Path = hook.Path,
            });
        }
    }

    private Process SpecProcess => _spec.Process ?? throw new ArgumentException("process: required to run a container");

    private void Add(InitStep step) => _steps.Add(step);

    private void AddNamespaces()
    {
        var namespaces = _spec.Linux?.Namespaces ?? [];
        long cloneFlags = 0;
        int? newTime = null;
        var joins = new List<(LinuxNamespaceType Type, string Path, int Index)>();
        for (int i = 0; i < namespaces.Count; i++)
        {
            LinuxNamespace ns = namespaces[i];
            if (!LinuxNamespaceTypes.TryParse(ns.Type, out LinuxNamespaceType type))
            {
                throw new ArgumentException($"linux.namespaces[{i}].type: unknown namespace type \"{ns.Type}\"");
            }
            if (!string.IsNullOrEmpty(ns.Path))
            {
                joins.Add((type, ns.Path, i));
            }
            else if (type == LinuxNamespaceType.Time)
            {
                newTime = i; // clone(2) cannot make one: unshare it before the clone, see below
            }
            else if (type != LinuxNamespaceType.Cgroup)
            {
                cloneFlags |= (long)type; // a new cgroup namespace is made after the cgroups are set
            }
        }

        // The user namespace first (it grants the rights for the rest), the mount namespace last
        // (joining it changes how every later path resolves).
        foreach (var join in joins.OrderBy(j => j.Type switch
        {
            LinuxNamespaceType.User => 0,
            LinuxNamespaceType.Mount => 2,
            _ => 1,
        }))
        {
            Add(new InitStep(InitOp.SetNs, $"join {join.Type.ToSpecName()} namespace {join.Path}", $"linux.namespaces[{join.Index}]")
            {
                A = (long)join.Type,
                Strings = [Str(join.Path, $"linux.namespaces[{join.Index}].path")],
                Path = join.Path,
            });
        }
        if (newTime is int timeIndex)
        {
            // A new time namespace takes the children of the process that unshared it, and its clock
            // offsets only until the first of them exists.
            Add(new InitStep(InitOp.Unshare, "unshare a new time namespace for the container process", $"linux.namespaces[{timeIndex}]") { A = (long)LinuxNamespaceType.Time });
            var offsets = _spec.Linux?.TimeOffsets ?? [];
            string text = string.Concat(offsets.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value.Secs ?? 0} {o.Value.Nanosecs ?? 0}\n")));
            if (text.Length > 0)
            {
                Add(new InitStep(InitOp.WriteFile, $"clock offsets {text.Replace('\n', ';').TrimEnd(';')}", "linux.timeOffsets")
                {
                    Strings = [Str("/proc/self/timens_offsets"), Str(text)],
                    Path = "/proc/self/timens_offsets",
                });
            }
        }
        AddClone($"clone the container process{DescribeCloneFlags(cloneFlags)}", cloneFlags);
        Add(new InitStep(InitOp.WaitGo, "wait for the library (uid/gid maps)"));
        if (HasNewNamespace(LinuxNamespaceType.User))
        {
            // Until now the child was the host's root, which the new namespace does not map.
            Add(new InitStep(InitOp.SetGid, "setresgid 0: root of the new user namespace", "linux.gidMappings") { A = 0 });
            Add(new InitStep(InitOp.SetUid, "setresuid 0: root of the new user namespace", "linux.uidMappings") { A = 0 });
        }
        if (namespaces.Any(n => n.Type == "cgroup" && string.IsNullOrEmpty(n.Path)))
        {
            Add(new InitStep(InitOp.Unshare, "unshare the cgroup namespace (rooted at the container's cgroup)")
            {
                A = (long)LinuxNamespaceType.Cgroup,
            });
        }
        if (HasNewNamespace(LinuxNamespaceType.Network))
        {
            Add(new InitStep(InitOp.LoopbackUp, "bring up lo in the new network namespace (as runc and crun)", "linux.namespaces"));
        }
    }

    private static readonly LinuxNamespaceType[] s_cloneOrder =
    [
        LinuxNamespaceType.Time, LinuxNamespaceType.Mount, LinuxNamespaceType.Cgroup, LinuxNamespaceType.Uts,
        LinuxNamespaceType.Ipc, LinuxNamespaceType.User, LinuxNamespaceType.Pid, LinuxNamespaceType.Network,
    ];

    /// <summary>
    /// The clone, into the unified cgroup when the container has one, then the process's own moves
    /// into its v1 cgroups (<see cref="CgroupJoin"/>): before anything else it does, as the limits
    /// were written before the spawn.
    /// </summary>
    private void AddClone(string text, long cloneFlags)
    {
        CgroupJoin? join = _context.CgroupJoin;
        int index = 0;
        if (join?.UnifiedDirectory is { } unified)
        {
            Add(new InitStep(InitOp.Clone, $"{text}, born in cgroup {unified}", "linux.cgroupsPath")
            {
                A = cloneFlags,
                B = InitSession.CgroupFd(_context.ExtraFiles, index++),
                Path = unified,
            });
        }
        else
        {
            Add(new InitStep(InitOp.Clone, text) { A = cloneFlags });
        }
        foreach (string directory in join?.V1Directories ?? [])
        {
            Add(new InitStep(InitOp.JoinCgroup, $"join cgroup {directory} (\"0\" to its {CgroupJoin.TasksFile})", "linux.cgroupsPath")
            {
                A = InitSession.CgroupFd(_context.ExtraFiles, index++),
                Path = directory,
            });
        }
    }

    private static string DescribeCloneFlags(long flags)
    {
        // In flag order (time, mount, cgroup, uts, ipc, user, pid, network); a fixed list, not
        // Enum.GetValues, whose reflection costs a fresh native AOT process ~0.3 ms.
        var names = s_cloneOrder
            .Where(t => (flags & (long)t) != 0)
            .Select(t => t.ToSpecName())
            .ToList();
        return names.Count == 0 ? " (no new namespaces)" : $" into new {string.Join(", ", names)} namespaces";
    }

    /// <summary>A namespace of its own, new or joined by path (not the host's).</summary>
    private bool HasNamespace(LinuxNamespaceType type) =>
        _spec.Linux?.Namespaces?.Any(n => n.Type == type.ToSpecName()) == true;

    private bool HasNewNamespace(LinuxNamespaceType type) =>
        _spec.Linux?.Namespaces?.Any(n => n.Type == type.ToSpecName() && string.IsNullOrEmpty(n.Path)) == true;

    private void AddRootfs()
    {
        // A mount namespace joined by path is set up in place, as runc and crun do. None at all is refused on
        // purpose: runc and crun would then mount the rootfs in the caller's namespace (the host's).
        if (!HasNamespace(LinuxNamespaceType.Mount))
        {
            throw new ArgumentException("linux.namespaces: a mount namespace (new, or joined by path) is required to set up root.path; without one the mounts would be made in the runtime's own namespace");
        }
        string rootfs = _context.RootfsPath;
        long rootPropagation = RootPropagation(_spec.Linux?.RootfsPropagation);

        Add(new InitStep(InitOp.Mount, "make every mount a slave, so nothing propagates to the host", "linux.rootfsPropagation")
        {
            A = MS_SLAVE | MS_REC,
            Strings = [[], Str("/"), [], []],
            Path = "/",
        });
        Add(new InitStep(InitOp.Mount, $"bind-mount the root {rootfs} on itself", "root.path")
        {
            A = MS_BIND | MS_REC,
            Strings = [Str(rootfs), Str(rootfs), [], []],
            Path = rootfs,
        });
        Add(new InitStep(InitOp.SetRoot, $"resolve later paths inside {rootfs}", "root.path") { Strings = [Str(rootfs)], Path = rootfs });

        var mounts = _spec.Mounts ?? [];
        bool devIsBind = false;
        bool devIsMounted = false;
        for (int i = 0; i < mounts.Count; i++)
        {
            Mount mount = mounts[i];
            AddMount(mount, $"mounts[{i}]");
            if (("/" + mount.Destination.TrimStart('/')).TrimEnd('/') == "/dev")
            {
                devIsMounted = true;
                devIsBind = IsBind(mount, MountOptions.Parse(mount.Options));
            }
        }

        if (!devIsBind)
        {
            AddDevices(devIsMounted);
        }
        string cwd = SpecProcess.Cwd;
        if (cwd.TrimEnd('/').Length > 0)
        {
            Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {cwd} (the working directory)", "process.cwd")
            {
                A = Convert.ToInt64("755", 8),
                Strings = [Str(cwd, "process.cwd")],
                Path = cwd,
            });
        }

        Spec.Hooks? hooks = _spec.Hooks;
        if (hooks?.Prestart is { Count: > 0 } || hooks?.CreateRuntime is { Count: > 0 })
        {
            Add(new InitStep(InitOp.SyncHooks, "let the library run the prestart and createRuntime hooks", "hooks.createRuntime"));
        }
        AddHooks(hooks?.CreateContainer, "hooks.createContainer", state: 0);

        if (_context.NoPivotRoot)
        {
            Add(new InitStep(InitOp.MoveRoot, $"move {rootfs} to / and chroot (no pivot_root)", "root.path") { Strings = [Str(rootfs)], Path = rootfs });
        }
        else
        {
            Add(new InitStep(InitOp.PivotRoot, $"pivot_root to {rootfs} and detach the old root", "root.path") { Strings = [Str(rootfs)], Path = rootfs });
        }
        Add(new InitStep(InitOp.SetRoot, "resolve later paths inside the new /") { Strings = [Str("/")], Path = "/" });
        if (SpecProcess.Terminal)
        {
            AddConsole(SpecProcess);
        }
        else
        {
            Add(new InitStep(InitOp.ReopenDevNull, "stdio on the host's /dev/null: reopen it on the container's /dev/null (as runc; CRIU can dump it)"));
        }
        if (rootPropagation != 0)
        {
            Add(new InitStep(InitOp.Mount, $"set the propagation of / to {_spec.Linux!.RootfsPropagation}", "linux.rootfsPropagation")
            {
                A = rootPropagation,
                Strings = [[], Str("/"), [], []],
                Path = "/",
            });
        }

        if (_spec.Hostname is { Length: > 0 } hostname)
        {
            Add(new InitStep(InitOp.SetHostname, $"sethostname {hostname}", "hostname") { Strings = [Str(hostname, "hostname")] });
        }
        if (_spec.Domainname is { Length: > 0 } domainname)
        {
            Add(new InitStep(InitOp.SetDomainname, $"setdomainname {domainname}", "domainname") { Strings = [Str(domainname, "domainname")] });
        }
        foreach ((string key, string value) in _spec.Linux?.Sysctl ?? [])
        {
            string path = "/proc/sys/" + key.Replace('.', '/');
            Add(new InitStep(InitOp.WriteFile, $"sysctl {key}={value} ({path})", $"linux.sysctl[\"{key}\"]")
            {
                Strings = [Str(path), Str(value, $"linux.sysctl[\"{key}\"]")],
                Path = path,
            });
        }
        var readonlyPaths = _spec.Linux?.ReadonlyPaths ?? [];
        for (int i = 0; i < readonlyPaths.Count; i++)
        {
            Add(new InitStep(InitOp.ReadonlyPath, $"make {readonlyPaths[i]} read-only (if it exists)", $"linux.readonlyPaths[{i}]")
            {
                Strings = [Str(readonlyPaths[i], $"linux.readonlyPaths[{i}]")],
                Path = readonlyPaths[i],
            });
        }
        var maskedPaths = _spec.Linux?.MaskedPaths ?? [];
        for (int i = 0; i < maskedPaths.Count; i++)
        {
            Add(new InitStep(InitOp.MaskPath, $"mask {maskedPaths[i]} (if it exists)", $"linux.maskedPaths[{i}]")
            {
                Strings = [Str(maskedPaths[i], $"linux.maskedPaths[{i}]")],
                Path = maskedPaths[i],
            });
        }

        if (_spec.Root?.Readonly == true)
        {
            Add(new InitStep(InitOp.RemountInRoot, "remount / read-only", "root.readonly")
            {
                A = MS_RDONLY,
                Strings = [Str("/")],
                Path = "/",
            });
        }
    }

    private static bool IsBind(Mount mount, MountOptions options) => mount.Type == "bind" || options.Bind;

    /// <summary>The spec's bind mounts, destination and source (relative sources against the bundle): mounts of files from outside the container.</summary>
    internal static IEnumerable<(string Destination, string Source)> BindMounts(RuntimeSpec spec, string? bundlePath) =>
        (spec.Mounts ?? [])
            .Where(m => m.Source is not null && IsBind(m, MountOptions.Parse(m.Options)))
            .Select(m => (m.Destination, ResolveSource(m.Source!, bundlePath)));

    private void AddMount(Mount mount, string source)
    {
        MountOptions options = MountOptions.Parse(mount.Options);
        string destination = "/" + mount.Destination.TrimStart('/'); // a relative one is relative to "/", as the spec says
        byte[] target = Str(destination, $"{source}.destination");
        long flags = (long)options.Flags;
        string optionText = mount.Options is { Count: > 0 } ? $" ({string.Join(',', mount.Options)})" : "";

        if (IsBind(mount, options))
        {
            string from = ResolveSource(mount.Source ?? throw new ArgumentException($"{source}.source: a bind mount needs a source"));
            Add(new InitStep(InitOp.MkTargetInRoot, $"create {destination} (a directory, or a file if {from} is one)", source)
            {
                Strings = [target, Str(from, $"{source}.source")],
                Path = destination,
            });
            long bindFlags = MS_BIND | (options.Recursive ? MS_REC : 0);
            if (options.IdMap || mount.UidMappings is { Count: > 0 } || mount.GidMappings is { Count: > 0 })
            {
                AddIdMappedMount(mount, source, from, target, options);
            }
            else
            {
                Add(new InitStep(InitOp.MountInRoot, $"{(options.Recursive ? "rbind" : "bind")}-mount {from} on {destination}", source)
                {
                    A = bindFlags,
                    Strings = [Str(from), target, [], []],
                    Path = destination,
                });
            }
            long remountFlags = flags & ~(MS_BIND | MS_REC | PropagationMask);
            if (remountFlags != 0)
            {
                Add(new InitStep(InitOp.RemountInRoot, $"remount {destination}{optionText}", source)
                {
                    A = remountFlags,
                    Strings = [target],
                    Path = destination,
                });
            }
        }
        else if (mount.Type == "cgroup" && HasNewNamespace(LinuxNamespaceType.User) && UnifiedOnly)
        {
            // A user namespace without a cgroup namespace may not mount cgroup2: bind the host's, read-only.
            Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {destination}", source) { A = Convert.ToInt64("755", 8), Strings = [target], Path = destination });
            Add(new InitStep(InitOp.MountInRoot, $"rbind-mount /sys/fs/cgroup on {destination} (user namespace)", source)
            {
                A = MS_BIND | MS_REC,
                Strings = [Str("/sys/fs/cgroup"), target, [], []],
                Path = destination,
            });
            Add(new InitStep(InitOp.RemountInRoot, $"remount {destination}{optionText}", source) { A = flags & ~PropagationMask, Strings = [target], Path = destination });
        }
        else if (mount.Type == "cgroup")
        {
            AddCgroupMount(mount, source, target, flags, optionText);
        }
        else
        {
            string type = mount.Type ?? throw new ArgumentException($"{source}.type: required for a mount that is not a bind mount");
            Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {destination}", source)
            {
                A = Convert.ToInt64("755", 8),
                Strings = [target],
                Path = destination,
            });
            if (type == "sysfs" && !HasNamespace(LinuxNamespaceType.Network))
            {
                // Without its own network namespace the kernel refuses a new sysfs: bind the host's, as runc does.
                Add(new InitStep(InitOp.MountInRoot, $"rbind-mount /sys on {destination} (no network namespace of its own)", source)
                {
                    A = MS_BIND | MS_REC,
                    Strings = [Str("/sys"), target, [], []],
                    Path = destination,
                });
                Add(new InitStep(InitOp.RemountInRoot, $"remount {destination}{optionText}", source)
                {
                    A = flags & ~PropagationMask,
                    Strings = [target],
                    Path = destination,
                });
            }
            else
            {
                Add(new InitStep(InitOp.MountInRoot, $"mount {type} on {destination}{optionText}", source)
                {
                    A = flags & ~PropagationMask,
                    Strings = [Str(mount.Source ?? type, $"{source}.source"), target, Str(type, $"{source}.type"), Str(options.Data)],
                    Path = destination,
                });
            }
        }

        if (options.RecAttrSet != 0 || options.RecAttrClr != 0)
        {
            Add(new InitStep(InitOp.SetAttrInRoot, $"set recursive mount attributes on {destination}{optionText}", source)
            {
                A = (long)options.RecAttrSet,
                B = (long)options.RecAttrClr,
                Strings = [target],
                Path = destination,
            });
        }

        if (options.PropagationFlags != 0)
        {
            Add(new InitStep(InitOp.MountInRoot, $"set the propagation of {destination}", source)
            {
                A = (long)options.PropagationFlags,
                Strings = [[], target, [], []],
                Path = destination,
            });
        }
    }

    /// <summary>
    /// An id-mapped bind mount: the library clones the source tree (open_tree) and id-maps it through
    /// the container's user namespace (mount_setattr MOUNT_ATTR_IDMAP), which needs the host's
    /// privileges; the init moves the detached mount into place.
    /// </summary>
    private void AddIdMappedMount(Mount mount, string source, string from, byte[] target, MountOptions options)
    {
        if (!HasNewNamespace(LinuxNamespaceType.User))
        {
            throw new ArgumentException($"{source}.options: an id-mapped mount needs the container to have a new user namespace");
        }
        bool Same(List<LinuxIdMapping>? mine, List<LinuxIdMapping>? container) =>
            mine is not { Count: > 0 } || (container is not null && mine.SequenceEqual(container));
        if (!Same(mount.UidMappings, _spec.Linux?.UidMappings) || !Same(mount.GidMappings, _spec.Linux?.GidMappings))
        {
            throw new ArgumentException($"{source}.uidMappings: id-mapped mounts use the container's own mappings; other mappings are not supported yet");
        }
        int index = _idMapped.Count;
        if (index >= 16)
        {
            throw new ArgumentException($"{source}: at most 16 id-mapped mounts per container");
        }
        _idMapped.Add(new IdMappedMount(from, options.Recursive, options.RecursiveIdMap, source));
        Add(new InitStep(InitOp.MoveMountInRoot, $"move the id-mapped {(options.Recursive ? "rbind" : "bind")} mount of {from} to {mount.Destination}", source)
        {
            A = index,
            Strings = [target],
            Path = mount.Destination,
        });
    }

    /// <summary>
    /// A cgroup mount: a tmpfs with one mount per host hierarchy below it, each a fresh mount of the
    /// same hierarchy, so a cgroup namespace shows the container its own subtree. On a cgroup2-only
    /// host, cgroup2 itself.
    /// </summary>
    private void AddCgroupMount(Mount mount, string source, byte[] target, long flags, string optionText)
    {
        string destination = "/" + mount.Destination.TrimStart('/');
        long mountFlags = flags & ~PropagationMask;
        Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {destination}", source)
        {
            A = Convert.ToInt64("755", 8),
            Strings = [target],
            Path = destination,
        });
        if (UnifiedOnly)
        {
            Add(new InitStep(InitOp.MountInRoot, $"mount cgroup2 on {destination}{optionText}", source)
            {
                A = mountFlags,
                Strings = [Str("cgroup2"), target, Str("cgroup2"), []],
                Path = destination,
            });
            return;
        }
        Add(new InitStep(InitOp.MountInRoot, $"mount tmpfs on {destination} (holds the cgroup hierarchies)", source)
        {
            A = (mountFlags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            Strings = [Str("tmpfs"), target, Str("tmpfs"), Str("mode=755")],
            Path = destination,
        });
        // The v1 hierarchies; a hybrid host's cgroup2 (unified) is left out, as runc and crun do.
        bool bindHost = HasNewNamespace(LinuxNamespaceType.User);
        foreach (CgroupHierarchy hierarchy in _context.CgroupHierarchies.Where(h => h.FsType == "cgroup"))
        {
            string path = $"{destination.TrimEnd('/')}/{hierarchy.Name}";
            byte[] sub = Str(path);
            Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {path}", source) { A = Convert.ToInt64("755", 8), Strings = [sub], Path = path });
            if (bindHost)
            {
                // A user namespace may not mount cgroup v1 hierarchies: bind the host's, one by one (as runc).
                string host = $"/sys/fs/cgroup/{hierarchy.Name}";
                Add(new InitStep(InitOp.MountInRoot, $"bind-mount the host's {host} on {path} (user namespace)", source)
                {
                    A = MS_BIND | MS_REC,
                    Strings = [Str(host), sub, [], []],
                    Path = path,
                });
                Add(new InitStep(InitOp.RemountInRoot, $"remount {path}{optionText}", source) { A = mountFlags, Strings = [sub], Path = path });
                continue;
            }
            Add(new InitStep(InitOp.MountInRoot, $"mount {hierarchy.FsType}{(hierarchy.Options.Length > 0 ? $" ({hierarchy.Options})" : "")} on {path}{optionText}", source)
            {
                A = mountFlags,
                Strings = [Str("cgroup"), sub, Str(hierarchy.FsType), Str(hierarchy.Options)],
                Path = path,
            });
        }
        if ((mountFlags & MS_RDONLY) != 0)
        {
            Add(new InitStep(InitOp.RemountInRoot, $"remount {destination} read-only", source)
            {
                A = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                Strings = [target],
                Path = destination,
            });
        }
    }

    /// <summary>A host with only cgroup2, at /sys/fs/cgroup.</summary>
    private bool UnifiedOnly => _context.CgroupHierarchies.Any(h => h.Name.Length == 0);

    private string ResolveSource(string source) => ResolveSource(source, _context.BundlePath);

    private static string ResolveSource(string source, string? bundlePath) =>
        Path.IsPathRooted(source) || bundlePath is null ? source : Path.GetFullPath(Path.Combine(bundlePath, source));

    private void AddDevices(bool devIsMounted)
    {
        if (devIsMounted)
        {
            foreach (string dir in new[] { "/dev/pts", "/dev/shm" })
            {
                Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {dir}") { A = Convert.ToInt64("755", 8), Strings = [Str(dir)], Path = dir });
            }
        }
        foreach ((string name, uint major, uint minor) in s_defaultDevices)
        {
            AddDevice(name, S_IFCHR, major, minor, Convert.ToUInt32("666", 8), 0, 0, source: null);
        }
        var devices = _spec.Linux?.Devices ?? [];
        for (int i = 0; i < devices.Count; i++)
        {
            LinuxDevice device = devices[i];
            long type = device.Type switch
            {
                "c" or "u" => S_IFCHR,
                "b" => S_IFBLK,
                "p" => S_IFIFO,
                _ => throw new ArgumentException($"linux.devices[{i}].type: unknown device type \"{device.Type}\""),
            };
            string parent = Path.GetDirectoryName(device.Path) ?? "/";
            if (parent != "/dev" && parent != "/")
            {
                Add(new InitStep(InitOp.MkdirInRoot, $"mkdir -p {parent}", $"linux.devices[{i}]")
                {
                    A = Convert.ToInt64("755", 8),
                    Strings = [Str(parent)],
                    Path = parent,
                });
            }
            AddDevice(device.Path, type, (uint)(device.Major ?? 0), (uint)(device.Minor ?? 0),
                device.FileMode ?? Convert.ToUInt32("666", 8), device.Uid ?? 0, device.Gid ?? 0, $"linux.devices[{i}]");
        }

        var links = new List<(string Target, string Link)>
        {
            ("/proc/self/fd", "/dev/fd"),
            ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"),
            ("/proc/self/fd/2", "/dev/stderr"),
            ("pts/ptmx", "/dev/ptmx"),
        };
        if (_context.HostHasKcore)
        {
            links.Add(("/proc/kcore", "/dev/core"));
        }
        foreach ((string target, string link) in links)
        {
            Add(new InitStep(InitOp.SymlinkInRoot, $"ln -s {target} {link}") { Strings = [Str(target), Str(link)], Path = link });
        }
    }

    private void AddDevice(string path, long type, uint major, uint minor, uint mode, uint uid, uint gid, string? source)
    {
        if (HasNewNamespace(LinuxNamespaceType.User))
        {
            // A user namespace may not create device nodes: bind the host's, as runc does.
            Add(new InitStep(InitOp.MkTargetInRoot, $"create {path} (a file to bind the host's device on)", source)
            {
                Strings = [Str(path), Str("/dev/null")],
                Path = path,
            });
            Add(new InitStep(InitOp.MountInRoot, $"bind-mount the host's {path} on {path} (user namespace)", source)
            {
                A = MS_BIND,
                Strings = [Str(path), Str(path), [], []],
                Path = path,
            });
            return;
        }
        string kind = type == S_IFBLK ? "b" : type == S_IFIFO ? "p" : "c";
        string octal = Convert.ToString(mode & 0xfff, 8);
        Add(new InitStep(InitOp.MknodInRoot, $"mknod {path} {kind} {major} {minor} mode {octal} owner {uid}:{gid}", source)
        {
            A = type | (mode & 0xfff),
            B = (long)MakeDev(major, minor),
            C = ((long)uid << 32) | gid,
            Strings = [Str(path, source is null ? null : $"{source}.path")],
            Path = path,
        });
    }

    /// <summary>The kernel's dev_t encoding (glibc makedev).</summary>
    internal static ulong MakeDev(uint major, uint minor) =>
        (((ulong)major & 0xfffff000) << 32) | (((ulong)major & 0xfff) << 8) |
        (((ulong)minor & 0xffffff00) << 12) | ((ulong)minor & 0xff);

    private static long RootPropagation(string? value) => value switch
    {
        null or "" => 0,
        "private" => (long)MountFlags.MS_PRIVATE,
        "rprivate" => (long)MountFlags.MS_PRIVATE | MS_REC,
        "slave" => MS_SLAVE,
        "rslave" => MS_SLAVE | MS_REC,
        "shared" => (long)MountFlags.MS_SHARED,
        "rshared" => (long)MountFlags.MS_SHARED | MS_REC,
        "unbindable" => (long)MountFlags.MS_UNBINDABLE,
        "runbindable" => (long)MountFlags.MS_UNBINDABLE | MS_REC,
        _ => throw new ArgumentException($"linux.rootfsPropagation: unknown propagation \"{value}\""),
    };

    private void AddProcess(Process process, bool exec)
    {
        var rlimits = process.Rlimits ?? [];
        for (int i = 0; i < rlimits.Count; i++)
        {
            PosixRlimit rlimit = rlimits[i];
            int resource = Rlimits.Number(rlimit.Type)
                ?? throw new ArgumentException($"process.rlimits[{i}].type: unknown rlimit \"{rlimit.Type}\"");
            Add(new InitStep(InitOp.SetRlimit, $"setrlimit {rlimit.Type} soft {Rlimits.Format(rlimit.Soft)} hard {Rlimits.Format(rlimit.Hard)}", $"process.rlimits[{i}]")
            {
                A = resource,
                B = unchecked((long)rlimit.Soft),
                C = unchecked((long)rlimit.Hard),
            });
        }
        if (process.OomScoreAdj is int oom)
        {
            string value = oom.ToString(CultureInfo.InvariantCulture);
            Add(new InitStep(InitOp.WriteFile, $"oom_score_adj {value}", "process.oomScoreAdj")
            {
                Strings = [Str("/proc/self/oom_score_adj"), Str(value)],
                Path = "/proc/self/oom_score_adj",
            });
        }
        AddProcessAttributes(process, exec);
        if (process.NoNewPrivileges)
        {
            Add(new InitStep(InitOp.NoNewPrivs, "prctl(PR_SET_NO_NEW_PRIVS)", "process.noNewPrivileges"));
        }
        // Without no_new_privs loading a filter needs CAP_SYS_ADMIN: load it while the process has it.
        (byte[] Program, uint Flags)? seccomp = _spec.Linux?.Seccomp is { } profile ? SeccompCompiler.Compile(profile) : null;
        bool listener = seccomp is { } compiled && (compiled.Flags & SeccompCompiler.SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
        if (seccomp is { } early && !process.NoNewPrivileges && !listener)
        {
            AddSeccomp(early);
        }

        // The working directory as root first, as runc and crun: one only root may enter (the image's /root for
        // a user) works; a refusal is retried after the user change (one only the user may enter).
        Add(new InitStep(InitOp.Chdir, $"chdir {process.Cwd} (before the user change)", "process.cwd") { A = 1, Strings = [Str(process.Cwd, "process.cwd")], Path = process.Cwd });
        CapabilitySets caps = Capabilities.Resolve(process.Capabilities, _context.GrantableCapabilities, _warnings);
        Add(new InitStep(InitOp.CapsPrepare, $"keep capabilities across setuid; bounding set {Capabilities.Describe(caps.Bounding)}", "process.capabilities.bounding")
        {
            A = unchecked((long)caps.Bounding),
        });

        User user = process.User;
        var groups = user.AdditionalGids ?? [];
        byte[] gids = new byte[groups.Count * 4];
        for (int i = 0; i < groups.Count; i++)
        {
            BitConverter.TryWriteBytes(gids.AsSpan(i * 4), groups[i]);
        }
        if (!_context.Rootless || groups.Count > 0)
        {
            // Rootless, the parent had to deny setgroups(2) to write the gid map: it can only be skipped.
            Add(new InitStep(InitOp.SetGroups, $"setgroups [{string.Join(", ", groups)}]", "process.user.additionalGids") { Strings = [gids] });
        }
        Add(new InitStep(InitOp.SetGid, $"setresgid {user.Gid}", "process.user.gid") { A = user.Gid });
        Add(new InitStep(InitOp.SetUid, $"setresuid {user.Uid}", "process.user.uid") { A = user.Uid });
        uint umask = user.Umask ?? Convert.ToUInt32("022", 8);
        Add(new InitStep(InitOp.Umask, $"umask {Convert.ToString(umask, 8).PadLeft(4, '0')}", user.Umask is null ? null : "process.user.umask") { A = umask });
        Add(new InitStep(InitOp.Chdir, $"chdir {process.Cwd} (as the user, if it was refused to root)", "process.cwd") { A = 2, Strings = [Str(process.Cwd, "process.cwd")], Path = process.Cwd });
        Add(new InitStep(InitOp.CapsApply, $"capabilities: effective {Capabilities.Describe(caps.Effective)}; permitted {Capabilities.Describe(caps.Permitted)}; inheritable {Capabilities.Describe(caps.Inheritable)}; ambient {Capabilities.Describe(caps.Ambient)}", "process.capabilities")
        {
            A = unchecked((long)caps.Effective),
            B = unchecked((long)caps.Permitted),
            C = unchecked((long)caps.Inheritable),
            Strings = [BitConverter.GetBytes(caps.Ambient)],
        });
        if (seccomp is { } listening && listener)
        {
            AddSeccomp(listening); // the notify fd must reach the library while it listens
        }

        var args = process.Args is { Count: > 0 } a ? a : throw new ArgumentException("process.args: must not be empty");
        var env = process.Env ?? [];
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            // runc and crun give a process without HOME the user's home from the container's /etc/passwd, else "/".
            env = [.. env, $"HOME={_context.HomeOf(process.User.Uid)}"];
        }
        if (args.Count + env.Count + 2 > MaxVectorEntries)
        {
            throw new ArgumentException($"process.env: {args.Count} args and {env.Count} environment entries exceed the init's {MaxVectorEntries - 2} together");
        }
        string? pathValue = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..];
        Add(new InitStep(InitOp.LookupExec, $"find {args[0]} in {(args[0].Contains('/', StringComparison.Ordinal) ? "the root" : $"PATH={pathValue ?? "(default)"}")}", "process.args[0]")
        {
            Strings = [Str(args[0], "process.args[0]"), Str(pathValue ?? "")],
            Path = args[0],
        });
        if (exec)
        {
            Add(new InitStep(InitOp.Ready, "report ready"));
        }
        else
        {
            if (_context.KillOnHostExit)
            {
                // After the last credential change (it clears the signal), before ready: a host that
                // died before it is seen here, and the create fails instead of leaving an orphan.
                Add(new InitStep(InitOp.ParentDeathSignal, "prctl(PR_SET_PDEATHSIG, SIGKILL): die with the host process") { A = (long)Signal.Kill });
            }
            Add(new InitStep(InitOp.Ready, "report ready: the container is created"));
            Add(new InitStep(InitOp.WaitFifo, "wait on the exec fifo until start") { A = _context.FifoFd });
        }
        if (seccomp is { } late && process.NoNewPrivileges && !listener)
        {
            // As late as may be, but before the startContainer hooks: they run in the container, under its filter
            // (runc loads it before the fifo, crun after it, both before those hooks).
            AddSeccomp(late);
        }
        if (!exec)
        {
            AddHooks(_spec.Hooks?.StartContainer, "hooks.startContainer", state: 1);
        }
        Add(new InitStep(InitOp.Exec, $"exec {string.Join(' ', args)}{(_context.ListenFds ? " with LISTEN_PID" : "")}", "process.args")
        {
            A = args.Count,
            B = env.Count,
            C = _context.ListenFds ? 1 : 0,
            Strings = [Vector(args, "process.args"), Vector(env, "process.env")],
            Path = args[0],
        });
    }

    private void AddSeccomp((byte[] Program, uint Flags) seccomp)
    {
        Add(new InitStep(InitOp.Seccomp, $"load the seccomp filter ({seccomp.Program.Length / 8} BPF instructions{((seccomp.Flags & SeccompCompiler.SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0 ? ", notify fd to the library" : "")})", "linux.seccomp")
        {
            A = seccomp.Flags,
            Strings = [seccomp.Program],
        });
    }

    /// <summary>Keyring, LSM label, personality, io priority and scheduler: before the credentials change.</summary>
    private void AddProcessAttributes(Process process, bool exec)
    {
        if (!exec && !_context.NoNewKeyring && _context.ContainerId is { Length: > 0 } id)
        {
            Add(new InitStep(InitOp.Keyring, $"join a new session keyring {id}") { Strings = [Str(id)] });
        }
        if (process.ApparmorProfile is { Length: > 0 } profile)
        {
            if (!_context.HostHasAppArmor)
            {
                throw new ArgumentException($"process.apparmorProfile: this host has no AppArmor, so profile \"{profile}\" cannot be applied");
            }
            Add(new InitStep(InitOp.WriteAttr, $"AppArmor profile {profile} at exec", "process.apparmorProfile")
            {
                Strings = [Str("/proc/thread-self/attr/apparmor/exec"), Str("exec " + profile, "process.apparmorProfile")],
            });
        }
        if (process.SelinuxLabel is { Length: > 0 } label)
        {
            if (!_context.HostHasSelinux)
            {
                throw new ArgumentException($"process.selinuxLabel: this host has no SELinux, so label \"{label}\" cannot be applied");
            }
            Add(new InitStep(InitOp.WriteAttr, $"SELinux label {label} at exec", "process.selinuxLabel")
            {
                Strings = [Str("/proc/thread-self/attr/exec"), Str(label, "process.selinuxLabel")],
            });
        }
        if (!exec && _spec.Linux?.Personality is { } personality)
        {
            long persona = personality.Domain switch
            {
                "LINUX" => 0x0000,
                "LINUX32" => 0x0008,
                _ => throw new ArgumentException($"linux.personality.domain: unknown domain \"{personality.Domain}\""),
            };
            Add(new InitStep(InitOp.Personality, $"personality {personality.Domain}", "linux.personality") { A = persona });
        }
        if (process.IOPriority is { } io)
        {
            long ioClass = io.Class switch
            {
                "IOPRIO_CLASS_RT" => 1,
                "IOPRIO_CLASS_BE" => 2,
                "IOPRIO_CLASS_IDLE" => 3,
                _ => throw new ArgumentException($"process.ioPriority.class: unknown class \"{io.Class}\""),
            };
            Add(new InitStep(InitOp.IoPrio, $"io priority {io.Class} {io.Priority}", "process.ioPriority") { A = (ioClass << 13) | (uint)io.Priority });
        }
        if (process.Scheduler is { } scheduler)
        {
            Add(new InitStep(InitOp.Scheduler, $"scheduler {scheduler.Policy}", "process.scheduler") { Strings = [SchedAttr(scheduler)] });
        }
    }

    /// <summary>struct sched_attr (SCHED_ATTR_SIZE_VER1, 56 bytes) of process.scheduler.</summary>
    internal static byte[] SchedAttr(Scheduler scheduler)
    {
        uint policy = scheduler.Policy switch
        {
            "SCHED_OTHER" => 0,
            "SCHED_FIFO" => 1,
            "SCHED_RR" => 2,
            "SCHED_BATCH" => 3,
            "SCHED_ISO" => 4,
            "SCHED_IDLE" => 5,
            "SCHED_DEADLINE" => 6,
            _ => throw new ArgumentException($"process.scheduler.policy: unknown policy \"{scheduler.Policy}\""),
        };
        ulong flags = 0;
        foreach (string flag in scheduler.Flags ?? [])
        {
            flags |= flag switch
            {
                "SCHED_FLAG_RESET_ON_FORK" => 0x01UL,
                "SCHED_FLAG_RECLAIM" => 0x02UL,
                "SCHED_FLAG_DL_OVERRUN" => 0x04UL,
                "SCHED_FLAG_KEEP_POLICY" => 0x08UL,
                "SCHED_FLAG_KEEP_PARAMS" => 0x10UL,
                "SCHED_FLAG_UTIL_CLAMP_MIN" => 0x20UL,
                "SCHED_FLAG_UTIL_CLAMP_MAX" => 0x40UL,
                _ => throw new ArgumentException($"process.scheduler.flags: unknown flag \"{flag}\""),
            };
        }
        byte[] attr = new byte[56];
        BitConverter.TryWriteBytes(attr.AsSpan(0), 56u);
        BitConverter.TryWriteBytes(attr.AsSpan(4), policy);
        BitConverter.TryWriteBytes(attr.AsSpan(8), flags);
        BitConverter.TryWriteBytes(attr.AsSpan(16), scheduler.Nice ?? 0);
        BitConverter.TryWriteBytes(attr.AsSpan(20), (uint)(scheduler.Priority ?? 0));
        BitConverter.TryWriteBytes(attr.AsSpan(24), scheduler.Runtime ?? 0);
        BitConverter.TryWriteBytes(attr.AsSpan(32), scheduler.Deadline ?? 0);
        BitConverter.TryWriteBytes(attr.AsSpan(40), scheduler.Period ?? 0);
        return attr;
    }

    /// <summary>A string for the wire: UTF-8, and a NUL inside is an error naming the field.</summary>
    private static byte[] Str(string value, string? field = null)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{field ?? "value"}: must not contain a NUL character");
        }
        return Encoding.UTF8.GetBytes(value);
    }

    /// <summary>Strings joined by NUL (the init splits them back into argv or envp).</summary>
    private static byte[] Vector(List<string> values, string field)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                bytes.Add(0);
            }
            bytes.AddRange(Str(values[i], $"{field}[{i}]"));
        }
        return [.. bytes];
    }
}

using LibContainer.Init;
using LibContainer.Interop;
using LibContainer.Spec;
using Tmds.Linux;

namespace LibContainer.Cgroups;

/// <summary>
/// A container's cgroups: the same path in every hierarchy of the host, the controllers that serve
/// each one, and the operations on all of them together: create, apply resources, add a process,
/// freeze, stats, kill, remove. The one cgroup manager, for v1, v2 and hybrid hosts.
/// </summary>
internal sealed class CgroupManager
{
    private readonly CgroupLayout _layout;
    private readonly List<(ICgroupController Controller, string Directory)> _controllers;

    private CgroupManager(CgroupLayout layout, string path, IReadOnlyList<string> directories, IReadOnlyList<string> created,
        List<(ICgroupController, string)> controllers)
    {
        _layout = layout;
        Path = path;
        Directories = directories;
        Created = created;
        _controllers = controllers;
    }

    /// <summary>The cgroup path, absolute within each hierarchy.</summary>
    public string Path { get; }

    /// <summary>The container's directory in every hierarchy (v1 ones first, then the unified one).</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>The directories this manager made, the only ones it will ever remove.</summary>
    public IReadOnlyList<string> Created { get; private set; }

    /// <summary>The freezer of the container's cgroup (decided when asked: the directories may not exist yet).</summary>
    public Freezer? Freezer => FindFreezer();

    /// <summary>The directory in the unified hierarchy, if the host has one.</summary>
    public string? UnifiedDirectory => _layout.Unified is { } unified ? DirectoryIn(unified, Directories) : null;

    /// <summary>
    /// The container's cgroup in each hierarchy, as a path from that hierarchy's root (what
    /// /proc/pid/cgroup shows), keyed by the hierarchy's controllers as /proc/pid/cgroup names them
    /// ("cpu,cpuacct", "name=systemd"; "" for cgroup2). Relative cgroup paths differ per hierarchy.
    /// </summary>
    public IReadOnlyList<(string Controllers, string Path)> HierarchyPaths()
    {
        var paths = new List<(string, string)>();
        foreach (CgroupHierarchyMount hierarchy in _layout.V1.Append(_layout.Unified).OfType<CgroupHierarchyMount>())
        {
            if (DirectoryIn(hierarchy, Directories) is not { } directory)
            {
                continue;
            }
            string relative = directory[hierarchy.MountPoint.Length..].TrimStart('/');
            string path = "/" + string.Join('/', new[] { hierarchy.Root.Trim('/'), relative }.Where(p => p.Length > 0));
            string controllers = hierarchy == _layout.Unified ? ""
                : hierarchy.Name is { } name ? name
                : string.Join(',', hierarchy.Controllers.Order(StringComparer.Ordinal));
            paths.Add((controllers, path));
        }
        return paths;
    }

    /// <summary>The container's directory under one hierarchy's mount point.</summary>
    private static string? DirectoryIn(CgroupHierarchyMount hierarchy, IReadOnlyList<string> directories) =>
        directories.FirstOrDefault(d => d == hierarchy.MountPoint || d.StartsWith(hierarchy.MountPoint + "/", StringComparison.Ordinal));

    /// <summary>
    /// The cgroup path of a spec as runc resolves it: an absolute linux.cgroupsPath as it is; a
    /// relative one below this process's own cgroup in each hierarchy; none: the container id,
    /// relative. ".." cannot climb above the root (runc's CleanPath): "/../../../../tmp/x" is the
    /// cgroup /tmp/x in each hierarchy, never a directory outside the cgroup file systems.
    /// </summary>
    public static string ResolvePath(string? cgroupsPath, string id, CgroupHierarchyMount hierarchy)
    {
        string path = CleanPath(string.IsNullOrEmpty(cgroupsPath) ? id : cgroupsPath);
        if (path.StartsWith('/'))
        {
            return path;
        }
        string own = hierarchy.OwnPath.TrimEnd('/');
        return path.Length == 0 ? (own.Length == 0 ? "/" : own) : $"{own}/{path}";
    }

    /// <summary>
    /// A path with "." and ".." resolved lexically, ".." at the top dropped (as against "/"), empty
    /// components gone; absolute stays absolute ("/" at the least), relative stays relative.
    /// </summary>
    internal static string CleanPath(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }
        string joined = string.Join('/', parts);
        return path.StartsWith('/') ? "/" + joined : joined;
    }

    /// <summary>The manager of a new container (nothing is created yet).</summary>
    public static CgroupManager ForNewContainer(CgroupLayout layout, string? cgroupsPath, string id)
    {
        // One path for all hierarchies: resolve against the first one; with relative paths runc
        // resolves per hierarchy, so do the same and keep the per-hierarchy directories.
        var directories = new List<string>();
        string? path = null;
        foreach (CgroupHierarchyMount hierarchy in layout.V1.Append(layout.Unified).OfType<CgroupHierarchyMount>())
        {
            string resolved = ResolvePath(cgroupsPath, id, hierarchy);
            path ??= resolved;
            directories.Add(hierarchy.Directory(resolved));
        }
        return Create(layout, path ?? "/" + id, directories, []);
    }

    /// <summary>The manager of an existing container, from what its state recorded.</summary>
    public static CgroupManager FromState(CgroupLayout layout, string path, IReadOnlyList<string> directories, IReadOnlyList<string> created) =>
        Create(layout, path, directories, created);

    private static CgroupManager Create(CgroupLayout layout, string path, IReadOnlyList<string> directories, IReadOnlyList<string> created)
    {
        var controllers = new List<(ICgroupController, string)>();
        foreach (ICgroupController controller in CgroupControllers.For(layout))
        {
            CgroupHierarchyMount? hierarchy = controller.Version == CgroupVersion.V2 ? layout.Unified : layout.V1Hierarchy(controller.Name);
            string? directory = hierarchy is null ? null : DirectoryIn(hierarchy, directories);
            if (directory is not null)
            {
                controllers.Add((controller, directory));
            }
        }
        return new CgroupManager(layout, path, directories, created, controllers);
    }

    /// <summary>
    /// cgroup2's cgroup.freeze when the container has a unified directory (also on a hybrid host,
    /// where every container gets one): 0.1 ms where the v1 freezer takes 3 to 9 ms (each freezer.state
    /// write flips a kernel static key). Else the v1 freezer.
    /// </summary>
    private Freezer? FindFreezer()
    {
        // The unified directory when it is there: a create or destroy that crashed may have left some
        // of the directories and not others, and a freezer of a missing directory reads ENOENT.
        string? v1 = _layout.V1Hierarchy("freezer") is { } hierarchy ? DirectoryIn(hierarchy, Directories) : null;
        if (UnifiedDirectory is { } unified && File.Exists(System.IO.Path.Combine(unified, "cgroup.freeze")))
        {
            return new Freezer.V2(unified);
        }
        if (v1 is not null && (System.IO.Directory.Exists(v1) || UnifiedDirectory is null))
        {
            return new Freezer.V1(v1);
        }
        // Neither exists yet (a new container: decided before its directories are made).
        return UnifiedDirectory is { } made && Created.Contains(made) ? new Freezer.V2(made) : v1 is not null ? new Freezer.V1(v1) : null;
    }

    /// <summary>Both freezers whose directories exist.</summary>
    private IEnumerable<Freezer> ExistingFreezers()
    {
        if (UnifiedDirectory is { } unified && File.Exists(System.IO.Path.Combine(unified, "cgroup.freeze")))
        {
            yield return new Freezer.V2(unified);
        }
        if (_layout.V1Hierarchy("freezer") is { } hierarchy && DirectoryIn(hierarchy, Directories) is { } v1 && System.IO.Directory.Exists(v1))
        {
            yield return new Freezer.V1(v1);
        }
    }

    /// <summary>Every value of the resources that this host's controllers cannot apply, with its JSON path.</summary>
    public IReadOnlyList<SpecError> Validate(LinuxResources resources, CgroupHostInfo host)
    {
        var errors = new List<SpecError>();
        foreach ((ICgroupController controller, _) in _controllers)
        {
            controller.Validate(resources, host, errors);
        }
        // The spec: a setting that cannot be applied is an error (crun fails the create too); not a silent drop.
        if (resources.Network?.ClassId is not null && _layout.VersionOf("net_cls") is null)
        {
            errors.Add(new SpecError("linux.resources.network.classID", "cannot be applied: this host has no net_cls cgroup hierarchy mounted"));
        }
        if (resources.Network?.Priorities is { Count: > 0 } && _layout.VersionOf("net_prio") is null)
        {
            errors.Add(new SpecError("linux.resources.network.priorities", "cannot be applied: this host has no net_prio cgroup hierarchy mounted"));
        }
        return errors;
    }

    /// <summary>The directories <see cref="Create()"/> would make: every missing one, parents first.</summary>
    public IReadOnlyList<string> MissingDirectories()
    {
        var missing = new List<string>();
        foreach (string directory in Directories)
        {
            var chain = new Stack<string>();
            for (string? d = directory; d is not null && !System.IO.Directory.Exists(d) && !missing.Contains(d); d = System.IO.Path.GetDirectoryName(d))
            {
                chain.Push(d);
            }
            missing.AddRange(chain);
        }
        return missing;
    }

    /// <summary>Makes the directories that do not exist yet (mkdir -p), remembering which it made.</summary>
    public void Create()
    {
        var created = new List<string>(Created);
        try
        {
            foreach (string directory in Directories)
            {
                MakeDirectories(directory, created);
            }
            // v1 cpuset refuses tasks while cpuset.cpus or cpuset.mems is empty: inherit the parent's.
            if (_layout.V1Hierarchy("cpuset") is { } cpuset)
            {
                InheritCpuset(cpuset);
            }
            EnableV2Controllers();
        }
        finally
        {
            Created = created;
        }
    }

    private static void MakeDirectories(string directory, List<string> created)
    {
        var missing = new Stack<string>();
        for (string? d = directory; d is not null && !System.IO.Directory.Exists(d); d = System.IO.Path.GetDirectoryName(d))
        {
            missing.Push(d);
        }
        while (missing.TryPop(out string? d))
        {
            int errno = Sys.Mkdir(d, Convert.ToUInt32("755", 8));
            if (errno == LibC.EEXIST)
            {
                continue; // made meanwhile by someone else: not ours to remove
            }
            if (errno != 0)
            {
                throw new ContainerException($"linux.cgroupsPath: mkdir {d} failed: {SyscallException.Describe(errno)}.", new SyscallException("mkdir", errno, d));
            }
            created.Add(d);
            CrashPoint.Hit("create.cgroup-mkdir");
        }
    }

    /// <summary>
    /// cgroup2 gives a child a controller's files only when every ancestor lists it in
    /// cgroup.subtree_control: enable the v2 controllers in use from the root down to the parent.
    /// </summary>
    private void EnableV2Controllers()
    {
        var wanted = _controllers
            .Where(c => c.Controller.Version == CgroupVersion.V2 && _layout.UnifiedControllers.Contains(c.Controller.Name))
            .Select(c => c.Controller.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (wanted.Count == 0 || _layout.Unified is not { } unified || UnifiedDirectory is not { } leaf)
        {
            return;
        }
        var chain = new List<string>();
        for (string? d = System.IO.Path.GetDirectoryName(leaf); d is not null && d.Length >= unified.MountPoint.Length; d = System.IO.Path.GetDirectoryName(d))
        {
            chain.Add(d);
        }
        chain.Reverse();
        foreach (string directory in chain)
        {
            string enabled = CgroupFiles.Read(directory, "cgroup.subtree_control");
            HashSet<string> present = enabled.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            string missing = string.Join(' ', wanted.Where(w => !present.Contains(w)).Select(w => "+" + w));
            if (missing.Length > 0)
            {
                CgroupFiles.Write(directory, "cgroup.subtree_control", missing);
            }
        }
    }

    private void InheritCpuset(CgroupHierarchyMount cpuset)
    {
        if (DirectoryIn(cpuset, Directories) is not { } leaf)
        {
            return;
        }
        var chain = new List<string>();
        for (string? d = leaf; d is not null && d.Length > cpuset.MountPoint.Length; d = System.IO.Path.GetDirectoryName(d))
        {
            chain.Add(d);
        }
        chain.Reverse();
        foreach (string d in chain)
        {
            string parent = System.IO.Path.GetDirectoryName(d)!;
            foreach (string file in new[] { "cpuset.cpus", "cpuset.mems" })
            {
                string current = CgroupFiles.Read(d, file).Trim();
                if (current.Length == 0)
                {
                    CgroupFiles.Write(d, file, CgroupFiles.Read(parent, file).Trim());
                }
            }
        }
    }

    /// <summary>Writes the resources into every controller's directory, in a fixed order.</summary>
    public void Apply(LinuxResources resources)
    {
        foreach ((ICgroupController controller, string directory) in _controllers)
        {
            controller.Apply(directory, resources);
        }
    }

    /// <summary>
    /// Changes the resources of a running container: validated first (nothing is written if any
    /// value is wrong), and if the kernel refuses a write, the files written so far get back their
    /// old contents before the error is thrown.
    /// </summary>
    public void Update(LinuxResources resources, CgroupHostInfo host)
    {
        IReadOnlyList<SpecError> errors = Validate(resources, host);
        if (errors.Count > 0)
        {
            throw new SpecValidationException(errors);
        }
        var saved = new List<(string Path, string Content)>();
        foreach ((ICgroupController controller, string directory) in _controllers)
        {
            foreach (string file in controller.Files(resources))
            {
                string path = System.IO.Path.Combine(directory, file);
                if (File.Exists(path))
                {
                    saved.Add((path, File.ReadAllText(path)));
                }
            }
        }
        try
        {
            Apply(resources);
        }
        catch (Exception ex) when (ex is ContainerException or IOException or UnauthorizedAccessException)
        {
            foreach ((string path, string content) in Enumerable.Reverse(saved))
            {
                try
                {
                    CgroupFiles.Write(System.IO.Path.GetDirectoryName(path)!, System.IO.Path.GetFileName(path), RestorableValue(content));
                }
                catch (Exception restore) when (restore is ContainerException or IOException or UnauthorizedAccessException)
                {
                    // Best effort: the first error is the one to report.
                }
            }
            throw;
        }
    }

    /// <summary>What can be written back of a value read from a cgroup file (v1 devices.list, multi-line files: the first line).</summary>
    private static string RestorableValue(string content)
    {
        string trimmed = content.Trim();
        int newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? trimmed : trimmed[..newline];
    }

    /// <summary>How a new process enters these cgroups by itself (the unified directory, then the v1 ones).</summary>
    public CgroupJoin Join => new(UnifiedDirectory, [.. Directories.Where(d => d != UnifiedDirectory)]);

    /// <summary>
    /// Puts a process into the unified cgroup by a cgroup.procs write, for a process the kernel would
    /// not clone into it (<see cref="CgroupJoin"/>). The write waits for the kernel's threadgroup lock.
    /// </summary>
    public void AddToUnified(int pid)
    {
        if (UnifiedDirectory is { } unified)
        {
            CgroupFiles.Write(unified, "cgroup.procs", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The pids in the container's cgroup (from the first hierarchy that has the directory).</summary>
    public IReadOnlyList<int> GetPids()
    {
        foreach (string directory in Directories)
        {
            string procs = System.IO.Path.Combine(directory, "cgroup.procs");
            if (File.Exists(procs))
            {
                return ReadPids(procs);
            }
        }
        return [];
    }

    private static List<int> ReadPids(string procs)
    {
        try
        {
            return File.ReadAllLines(procs)
                .Where(l => l.Length > 0)
                .Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))
                .Order()
                .ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    public ContainerStats GetStats()
    {
        var stats = new ContainerStats();
        foreach ((ICgroupController controller, string directory) in _controllers)
        {
            if (System.IO.Directory.Exists(directory))
            {
                controller.ReadStats(directory, stats);
            }
        }
        return stats;
    }

    /// <summary>
    /// SIGKILLs every process in the cgroups (cgroup.kill on v2; on v1, the listed pids until none
    /// is left), then removes the directories this manager made, deepest first, retrying EBUSY for
    /// a bounded time. A directory it did not make is never removed.
    /// </summary>
    public async Task DestroyAsync(CancellationToken cancellationToken)
    {
        if (OwnsLeaf)
        {
            await KillAllAsync(cancellationToken).ConfigureAwait(false);
        }
        await RemoveDirectoriesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the directories this manager made, deepest first (EBUSY retried for a bounded time).</summary>
    public async Task RemoveDirectoriesAsync(CancellationToken cancellationToken)
    {
        foreach (string directory in Created.OrderByDescending(d => d.Length))
        {
            await RemoveAsync(directory, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the container's own directories were made by this manager (then every process in them is the container's).</summary>
    public bool OwnsLeaf => Directories.Count > 0 && Directories.All(Created.Contains);

    public async Task KillAllAsync(CancellationToken cancellationToken)
    {
        if (UnifiedDirectory is { } unified && File.Exists(System.IO.Path.Combine(unified, "cgroup.kill")))
        {
            CgroupFiles.Write(unified, "cgroup.kill", "1");
        }
        // A frozen process cannot die until thawed: either freezer may hold it (a crash can leave one
        // directory and not the other).
        foreach (Freezer freezer in ExistingFreezers())
        {
            if (freezer.IsFrozen)
            {
                await freezer.ThawAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        for (int round = 0; round < 1000; round++)
        {
            IReadOnlyList<int> pids = GetPids();
            if (pids.Count == 0)
            {
                return;
            }
            foreach (int pid in pids)
            {
                Sys.Kill(pid, (int)Signal.Kill);
            }
            await Task.Delay(Math.Min(1 + round, 20), cancellationToken).ConfigureAwait(false);
        }
        throw new ContainerException($"The processes of cgroup {Path} did not die after SIGKILL: {string.Join(' ', GetPids())}.");
    }

    private static async Task RemoveAsync(string directory, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            int errno = Sys.Rmdir(directory);
            if (errno == 0 || errno == LibC.ENOENT)
            {
                CrashPoint.Hit("destroy.cgroup-rmdir");
                return;
            }
            if (errno != LibC.EBUSY || attempt >= 100)
            {
                throw new SyscallException("rmdir", errno, directory, errno == LibC.EBUSY ? "The cgroup still has processes or children." : null);
            }
            await Task.Delay(Math.Min(1 + attempt, 20), cancellationToken).ConfigureAwait(false);
        }
    }
}

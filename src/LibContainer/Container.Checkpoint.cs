using LibContainer.Cgroups;
using LibContainer.Checkpoint;
using LibContainer.Init;
using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.Processes;
using LibContainer.Security;
using LibContainer.Spec;
using LibContainer.State;
using Microsoft.Extensions.Logging;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>
    /// checkpoint: criu dump (or pre-dump) of the init's process tree into the image directory, with
    /// what fds 0-2 were (descriptors.json), the spec's bind mounts as external mounts, and the
    /// container's cgroup as the freezer. Without leave-running the processes end with the dump and
    /// this returns once the init is gone (the container is then Stopped; Destroy removes it).
    /// </summary>
    public async Task CheckpointAsync(CheckpointOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ParentPath is { } parent && Path.IsPathRooted(parent))
        {
            throw new ArgumentException($"ParentPath: {parent} must be relative to the image directory, as CRIU reads it.", nameof(options));
        }
        using (IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false))
        {
            ContainerStatus status = held is null ? ContainerStatus.Stopped : Status;
            if (status is not (ContainerStatus.Running or ContainerStatus.Paused))
            {
                throw new InvalidOperationException($"Container '{Id}' is {status}; Checkpoint needs Running or Paused.");
            }
            RefuseTerminal(Id, Config);
            Criu criu = await Criu.LocateAsync(Id, options, cancellationToken).ConfigureAwait(false);
            if ((options.PreDump || options.ParentPath is not null)
                && !await criu.HasFeatureAsync("mem_dirty_track", cancellationToken).ConfigureAwait(false))
            {
                throw new CheckpointException(Id, CriuFailure.Unsupported,
                    "pre-dump and parent images need the kernel's memory dirty tracking (CONFIG_MEM_SOFT_DIRTY), which this kernel lacks ('criu check --feature mem_dirty_track' fails)");
            }
            Directory.CreateDirectory(options.ImagePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string work = options.WorkPath ?? options.ImagePath;
            Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (!options.PreDump)
            {
                Criu.WriteDescriptors(options.ImagePath, Init.Pid);
            }
            List<string> args = Criu.DumpArguments(options, Init.Pid, _state.Rootfs, _cgroups?.Freezer?.Directory,
                PlanBuilder.BindMounts(Config, Bundle).Select(b => b.Destination),
                JoinedNamespaces(Config).Select(n => (n.Type, NamespaceInode(n.Path))));
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.CriuRunning(Id, criu.Path, string.Join(' ', args));
            }
            Freezer? freezer = _cgroups?.Freezer;
            try
            {
                await criu.RunCheckedAsync(args, Path.Combine(work, options.PreDump ? "pre-dump.log" : "dump.log"), [], cancellationToken).ConfigureAwait(false);
            }
            catch when (status == ContainerStatus.Running && freezer is { IsFrozen: true })
            {
                // criu killed at the timeout (or on cancellation) leaves the cgroup it froze frozen.
                await freezer.ThawAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        if (!options.PreDump && !options.LeaveRunning)
        {
            await Init.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        _logger.ContainerCheckpointed(Id, options.ImagePath);
    }

    public async Task<IContainer> RestoreAsync(RestoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ContainerStatus status = Status;
        if (status != ContainerStatus.Stopped)
        {
            throw new InvalidOperationException($"Container '{Id}' is {status}; Restore in place needs Stopped (checkpointed without leave-running).");
        }
        string stateRoot = Path.GetDirectoryName(_dir.Path)!;
        await DestroyAsync(cancellationToken).ConfigureAwait(false);
        Container restored = await RestoreAsync(stateRoot, _initPath(), Id, Config, options with { BundlePath = options.BundlePath ?? Bundle }, _synchronousWait, _logger, cancellationToken)
            .ConfigureAwait(false);
        restored.DestroyOnDispose = options.DestroyOnDispose;
        return restored;
    }

    /// <summary>
    /// restore: a new container (same or new id) from a checkpoint. Like create, its state directory
    /// and cgroups come first (with the spec's limits); then criu restore recreates the namespaces,
    /// mounts and process tree with the root task as this process's child, in those cgroups, and stdio
    /// that was a pipe reconnected as <paramref name="options"/> asks. Any failure undoes it all.
    /// </summary>
    internal static async Task<Container> RestoreAsync(string stateRoot, string initPath, string id, RuntimeSpec spec,
        RestoreOptions options, TimeSpan synchronousWait, ILogger logger, CancellationToken cancellationToken)
    {
        ContainerId.Validate(id);
        ArgumentNullException.ThrowIfNull(options);
        (_, string? bundle, string rootfs) = Compile(spec, new ContainerOptions { BundlePath = options.BundlePath }, id);
        RefuseTerminal(id, spec);
        if (!Directory.Exists(options.ImagePath))
        {
            throw new ArgumentException($"ImagePath: {options.ImagePath} is not a directory.", nameof(options));
        }
        Criu criu = await Criu.LocateAsync(id, options, cancellationToken).ConfigureAwait(false);

        StateDirectory dir = StateDirectory.Create(stateRoot, id);
        var state = new StoredState
        {
            Id = id,
            Phase = StoredState.PhaseCreating,
            Bundle = bundle,
            Rootfs = rootfs,
            Created = DateTimeOffset.UtcNow,
        };
        CgroupManager? cgroups = Rootless.IsRoot ? CgroupManager.ForNewContainer(CgroupHost.Layout, spec.Linux?.CgroupsPath, id) : null;
        ProcessStdio? stdio = null;
        var namespaceFds = new List<SafeFd>();
        int pid = 0;
        Lazy<Task<ExitStatus>>? exit = null;
        try
        {
            using IDisposable? held = await dir.LockAsync(cancellationToken).ConfigureAwait(false);
            dir.WriteConfig(spec);
            state = WithCgroups(state, cgroups);
            dir.Write(state);
            if (cgroups is not null)
            {
                cgroups.Create();
                WarnIgnoredResources(spec, logger, id);
                cgroups.Apply(CgroupResources.Effective(spec));
            }

            // Stdio that was a pipe: a new pipe end, /dev/null or ours, at fd 3.. in criu, named by the old pipe.
            stdio = ProcessStdio.Create(options.Stdin, options.Stdout, options.Stderr, terminal: false);
            IReadOnlyList<string> descriptors = Criu.ReadDescriptors(options.ImagePath);
            var fds = new List<(SafeFd, int)>();
            var inherit = new List<(int, string)>();
            for (int fd = 0; fd < Math.Min(3, descriptors.Count); fd++)
            {
                string key = descriptors[fd];
                if (key.StartsWith("pipe:", StringComparison.Ordinal) && !inherit.Any(i => i.Item2 == key))
                {
                    fds.Add((stdio.ChildFds[fd].Fd, 3 + fd));
                    inherit.Add((3 + fd, key));
                }
            }

            // Joined namespaces: criu puts the tree back into them, given as fds after the stdio ones.
            foreach ((string type, string path) in JoinedNamespaces(spec))
            {
                SafeFd ns = Sys.Open(path, Tmds.Linux.LibC.O_RDONLY);
                namespaceFds.Add(ns);
                int target = 6 + inherit.Count;
                fds.Add((ns, target));
                inherit.Add((target, Criu.ExternalNamespaceKeys[type]));
            }

            string work = options.WorkPath ?? options.ImagePath;
            Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string pidFile = Path.Combine(dir.Path, "restore.pid");
            List<string> args = Criu.RestoreArguments(options, rootfs, pidFile, cgroups?.HierarchyPaths() ?? [],
                PlanBuilder.BindMounts(spec, bundle), inherit);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.CriuRunning(id, criu.Path, string.Join(' ', args));
            }
            await criu.RunCheckedAsync(args, Path.Combine(work, "restore.log"), fds, cancellationToken).ConfigureAwait(false);
            stdio.CloseChildEnds();
            namespaceFds.ForEach(f => f.Dispose());

            pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            File.Delete(pidFile);
            ulong startTime = ProcStat.TryRead(pid)?.StartTime ?? 0;
            exit = Reaper.Shared.WatchChild(pid, startTime, options.Detached);
            state = state with { Pid = pid, PidStartTime = startTime, Phase = StoredState.PhaseCreated };
            dir.Write(state);
            var process = new ContainerProcess(pid, startTime, exit, stdio.ParentStdin, stdio.ParentStdout, stdio.ParentStderr)
            {
                SynchronousWait = synchronousWait,
            };
            logger.ContainerRestored(id, pid, options.ImagePath);
            return new Container(dir, state, spec, process, cgroups, initPath, synchronousWait, logger);
        }
        catch (Exception ex)
        {
            logger.CreateFailed(ex, id);
            namespaceFds.ForEach(f => f.Dispose());
            await UndoAsync(pid, state.PidStartTime, exit, cgroups, stdio, dir).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The namespaces the spec joins by path that CRIU can leave outside the dump (network, pid);
    /// any other joined namespace is refused: CRIU would dump it as the container's own.
    /// </summary>
    private static IEnumerable<(string Type, string Path)> JoinedNamespaces(RuntimeSpec spec)
    {
        foreach (LinuxNamespace ns in spec.Linux?.Namespaces ?? [])
        {
            if (string.IsNullOrEmpty(ns.Path))
            {
                continue;
            }
            if (!Criu.ExternalNamespaceKeys.ContainsKey(ns.Type))
            {
                throw new ArgumentException($"linux.namespaces: the container joins the {ns.Type} namespace at {ns.Path}; checkpoint and restore support joined network and pid namespaces only");
            }
            yield return (ns.Type, ns.Path);
        }
    }

    private static ulong NamespaceInode(string path)
    {
        using SafeFd ns = Sys.Open(path, Tmds.Linux.LibC.O_RDONLY);
        return Sys.Inode(ns);
    }

    /// <summary>A terminal's master is held by the library; CRIU hands such a pty back only through its RPC interface.</summary>
    private static void RefuseTerminal(string id, RuntimeSpec spec)
    {
        if (spec.Process?.Terminal == true)
        {
            throw new CheckpointException(id, CriuFailure.Unsupported,
                "process.terminal is true: checkpoint and restore of a container with a terminal are not supported (its pty master lives outside the container)");
        }
    }
}

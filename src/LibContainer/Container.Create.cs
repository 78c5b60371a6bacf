using System.Text;
using LibContainer.Cgroups;
using LibContainer.Cgroups.V1;
using LibContainer.Init;
using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.Processes;
using LibContainer.Security;
using LibContainer.Spec;
using LibContainer.State;
using Microsoft.Extensions.Logging;
using Tmds.Linux;

namespace LibContainer;

internal sealed partial class Container
{
    private const int MessageSize = 16;
    private const int ChunkSize = 64 * 1024;

    /// <summary>
    /// create: state directory; the container's cgroups, recorded in state.json first, made and given
    /// their limits; the exec fifo; spawn the native init with its socket, fifo, stdio, the caller's
    /// extra files and the cgroup files it enters by itself (<see cref="CgroupJoin"/>); send the plan;
    /// learn the container's pid; say go; run the createRuntime hooks when it asks; wait for ready
    /// (taking the pty master on the way when it has a terminal). Everything made is undone if any
    /// step fails.
    /// </summary>
    /// <remarks>
    /// The cgroups come before the spawn because the container's process is born in its unified
    /// cgroup and moves itself into the v1 ones as its first step: no cgroup.procs write, so no wait
    /// for the kernel's threadgroup lock; and bad limits fail before any process exists. The pid joins
    /// the state at created: until then a crash is found through the recorded cgroups (the init is in
    /// them from its first step; before its go it ends when the socket does). Without a cgroup of its
    /// own (rootless, or a cgroupsPath that existed) the pid is recorded as soon as it is known, as
    /// nothing else would find the process.
    /// </remarks>
    internal static async Task<Container> CreateAsync(string stateRoot, string initPath, string id, RuntimeSpec spec,
        ContainerOptions options, TimeSpan synchronousWait, ILogger logger, CancellationToken cancellationToken)
    {
        ContainerId.Validate(id);
        // Rootless: the cgroup hierarchies belong to root; the container goes without its own cgroups.
        CgroupManager? cgroups = Rootless.IsRoot ? CgroupManager.ForNewContainer(CgroupHost.Layout, spec.Linux?.CgroupsPath, id) : null;
        CgroupJoin? join = cgroups?.Join; // numbers the plan's steps and fds, and opened at the spawn
        (InitPlan plan, string? bundle, string rootfs) = Compile(spec, options, id, join);
        logger.PlanBuilt(id, plan.Count, initPath);
        LogWarnings(logger, id, plan);
        bool terminal = spec.Process?.Terminal == true;

        StateDirectory dir = StateDirectory.Create(stateRoot, id);
        CrashPoint.Hit("create.mkdir");
        var state = new StoredState
        {
            Id = id,
            Phase = StoredState.PhaseCreating,
            Bundle = bundle,
            Rootfs = rootfs,
            Created = DateTimeOffset.UtcNow,
        };
        int pid = 0;
        Lazy<Task<ExitStatus>>? exit = null;
        ProcessStdio? stdio = null;
        FdStream? console = null;
        SafeFd? startReader = null;
        try
        {
            using IDisposable? held = await dir.LockAsync(cancellationToken).ConfigureAwait(false);
            dir.WriteConfig(spec); // until state.json the directory reads as creating
            CrashPoint.Hit("create.config");
            if (cgroups is not null)
            {
                state = WithCgroups(state, cgroups);
                dir.Write(state); // from here a crash leaves a record that Destroy can act on
                CrashPoint.Hit("create.state");
                cgroups.Create();
                WarnIgnoredResources(spec, logger, id);
                cgroups.Apply(CgroupResources.Effective(spec));
                CrashPoint.Hit("create.cgroups");
            }
            else if (spec.Linux?.Resources is not null)
            {
                logger.ResourceIgnored(id, "linux.resources", "rootless: this process may not create cgroups");
            }
            Sys.MkFifo(dir.FifoPath, Convert.ToUInt32("622", 8));
            File.SetUnixFileMode(dir.FifoPath, (UnixFileMode)Convert.ToInt32("622", 8)); // not the umask's: any user may start it
            if (options.StartWhenReady)
            {
                startReader = Sys.Open(dir.FifoPath, LibC.O_RDONLY | LibC.O_NONBLOCK);
            }
            stdio = ProcessStdio.Create(options.Stdin, options.Stdout, options.Stderr, terminal, options);
            using InitSession init = SpawnInit(initPath, id, plan, stdio, options.ExtraFiles, dir.FifoPath, join, synchronousWait);
            CrashPoint.Hit("create.spawn");
            await init.SendPlanAsync(cancellationToken).ConfigureAwait(false);

            InitMessage message = await init.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (message.Type != InitMessageType.Pid)
            {
                throw new ContainerStartException(id, $"the init sent message {message.Type} where its pid was expected");
            }
            pid = message.Value;
            CrashPoint.Hit("create.pid");
            ulong startTime = ProcStat.TryRead(pid)?.StartTime ?? 0;
            exit = Reaper.Shared.WatchChild(pid, startTime, options.Detached, whenAsked: synchronousWait > TimeSpan.Zero);
            state = state with { Pid = pid, PidStartTime = startTime };
            logger.InitCloned(id, pid, message.Detail == 1);

            if (cgroups is not { OwnsLeaf: true })
            {
                // Nothing else would find the process after a crash: no cgroup that is only its.
                dir.Write(state);
                CrashPoint.Hit("create.state");
            }
            if (message.Detail == 0)
            {
                cgroups?.AddToUnified(pid); // the kernel would not clone it into its cgroup
            }
            WriteIdMappings(pid, spec);

            // The hooks of create get status "created", as crun gives them and runtime-tools' validation wants;
            // the seccomp listener, which is told while the init still runs its steps, "creating".
            ContainerState hookState = OciState(id, "created", pid, bundle, spec);
            List<SafeFd> mounts = IdMappedMounts(plan, pid);
            try
            {
                await init.SendGoAsync(HookStates(spec, hookState with { Pid = ContainerViewPid(pid) }), cancellationToken, mounts).ConfigureAwait(false);
            }
            finally
            {
                mounts.ForEach(m => m.Dispose()); // the init has its own copies now
            }
            CrashPoint.Hit("create.go");
            console = await AwaitReadyAsync(init, id, spec, hookState with { Status = "creating" }, hookState, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("create.ready");

            state = state with { Phase = StoredState.PhaseCreated };
            dir.Write(state);
            CrashPoint.Hit("create.created");
            var process = new ContainerProcess(pid, startTime, exit, stdio.ParentStdin, stdio.ParentStdout, stdio.ParentStderr, console)
            {
                SynchronousWait = synchronousWait,
            };
            logger.ContainerCreated(id, pid);
            return new Container(dir, state, spec, process, cgroups, initPath, synchronousWait, logger) { _startReader = startReader };
        }
        catch (Exception ex)
        {
            logger.CreateFailed(ex, id);
            console?.Dispose();
            startReader?.Dispose();
            await UndoAsync(pid, state.PidStartTime, exit, cgroups, stdio, dir).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The container's cgroups in its state, recorded before they are made: a crash in between
    /// leaves nothing Destroy cannot find.
    /// </summary>
    private static StoredState WithCgroups(StoredState state, CgroupManager? cgroups) => state with
    {
        CgroupPath = cgroups?.Path,
        CgroupDirectories = cgroups is null ? null : [.. cgroups.Directories],
        CgroupsCreated = cgroups is null ? null : [.. cgroups.MissingDirectories()],
    };

    /// <summary>Undoes a failed create or restore: its init killed and reaped, its cgroups, stdio and state directory removed.</summary>
    private static async Task UndoAsync(int pid, ulong startTime, Lazy<Task<ExitStatus>>? exit, CgroupManager? cgroups, ProcessStdio? stdio, StateDirectory dir)
    {
        if (pid > 0)
        {
            Sys.Kill(pid, (int)Signal.Kill);
            if (exit is not null)
            {
                await exit.Value.ConfigureAwait(false);
            }
        }
        if (cgroups is not null)
        {
            await cgroups.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
        }
        stdio?.Dispose();
        dir.Delete();
    }

    /// <summary>The plan's id-mapped mounts, mapped through the container's user namespace (its maps are written by now).</summary>
    private static List<SafeFd> IdMappedMounts(InitPlan plan, int pid)
    {
        var fds = new List<SafeFd>();
        if (plan.IdMappedMounts.Count == 0)
        {
            return fds;
        }
        using SafeFd userns = Sys.Open($"/proc/{pid}/ns/user", LibC.O_RDONLY);
        try
        {
            foreach (IdMappedMount mount in plan.IdMappedMounts)
            {
                try
                {
                    fds.Add(Sys.IdMappedTree(mount.Source, mount.Recursive, mount.RecursiveIdMap, userns));
                }
                catch (SyscallException ex)
                {
                    throw new ContainerException($"{mount.Field}: {ex.Message}", ex);
                }
            }
            return fds;
        }
        catch
        {
            fds.ForEach(f => f.Dispose());
            throw;
        }
    }

    /// <summary>
    /// The seccomp notify fd goes to linux.seccomp.listenerPath as the OCI runtime spec says: one
    /// message with the container process state JSON, the fd attached (SCM_RIGHTS) and named in "fds".
    /// </summary>
    private static void SendSeccompListener(RuntimeSpec spec, ContainerState state, SafeFd notify)
    {
        LinuxSeccomp seccomp = spec.Linux!.Seccomp!;
        if (string.IsNullOrEmpty(seccomp.ListenerPath))
        {
            return; // SCMP_ACT_NOTIFY without a listener: the calls fail with ENOSYS, as the kernel does
        }
        var message = new System.Text.Json.Nodes.JsonObject
        {
            ["ociVersion"] = OciVersion,
            ["fds"] = new System.Text.Json.Nodes.JsonArray("seccompFd"),
            ["pid"] = state.Pid,
            ["metadata"] = seccomp.ListenerMetadata ?? "",
            ["state"] = System.Text.Json.Nodes.JsonNode.Parse(state.ToJson()),
        };
        using SafeFd socket = Sys.ConnectUnix(seccomp.ListenerPath);
        byte[] payload = Encoding.UTF8.GetBytes(message.ToJsonString());
        int sent = Sys.SendMessage(socket, payload, notify);
        if (sent < 0)
        {
            throw new SyscallException("sendmsg", -sent, seccomp.ListenerPath, "linux.seccomp.listenerPath: the listener did not take the notify fd.");
        }
    }

    /// <summary>
    /// A new user namespace gets its uid and gid maps from the parent, while the child waits.
    /// Without CAP_SETGID in the parent's namespace the kernel requires setgroups to be denied first.
    /// </summary>
    private static void WriteIdMappings(int pid, RuntimeSpec spec)
    {
        Linux? linux = spec.Linux;
        if (linux?.Namespaces?.Any(n => n.Type == "user" && string.IsNullOrEmpty(n.Path)) != true)
        {
            return;
        }
        static string Format(List<LinuxIdMapping>? mappings) =>
            string.Concat((mappings ?? []).Select(m => $"{m.ContainerId} {m.HostId} {m.Size}\n"));
        WriteProcFile(pid, "uid_map", Format(linux.UidMappings), "linux.uidMappings");
        if (!Rootless.IsRoot)
        {
            WriteProcFile(pid, "setgroups", "deny", "linux.gidMappings");
        }
        WriteProcFile(pid, "gid_map", Format(linux.GidMappings), "linux.gidMappings");
    }

    private static void WriteProcFile(int pid, string name, string content, string field)
    {
        string path = $"/proc/{pid}/{name}";
        try
        {
            File.WriteAllText(path, content);
        }
        catch (IOException ex)
        {
            throw new ContainerException($"{field}: writing {path} failed: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ContainerException($"{field}: writing {path} failed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The init's messages between go and ready, for create and exec alike: the pty master, the
    /// seccomp notify fd (on to the listener), and for create the runtime's hooks. Returns the
    /// terminal, if the process has one; anything else from the init is a protocol error.
    /// </summary>
    private static async Task<FdStream?> AwaitReadyAsync(InitSession init, string id, RuntimeSpec spec, ContainerState state,
        ContainerState? runtimeHookState, CancellationToken cancellationToken)
    {
        FdStream? console = null;
        try
        {
            InitMessage message;
            while ((message = await init.ReceiveAsync(cancellationToken).ConfigureAwait(false)).Type != InitMessageType.Ready)
            {
                switch (message.Type)
                {
                    case InitMessageType.Console when message.Fd is { } master:
                        console?.Dispose();
                        console = FdStream.Terminal(master);
                        break;
                    case InitMessageType.Seccomp when message.Fd is { } notify:
                        using (notify)
                        {
                            SendSeccompListener(spec, state, notify);
                        }
                        break;
                    case InitMessageType.Hooks when runtimeHookState is not null:
                        // The namespaces exist, the mounts are made, pivot_root is next: the runtime's hooks.
                        await HookRunner.RunAllAsync(spec.Hooks?.Prestart, "hooks.prestart", runtimeHookState, cancellationToken).ConfigureAwait(false);
                        await HookRunner.RunAllAsync(spec.Hooks?.CreateRuntime, "hooks.createRuntime", runtimeHookState, cancellationToken).ConfigureAwait(false);
                        await init.SendGoAsync(null, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        message.Fd?.Dispose();
                        throw new ContainerStartException(id, $"the init sent message {message.Type} where ready was expected");
                }
            }
            return console;
        }
        catch
        {
            console?.Dispose();
            throw;
        }
    }

    /// <summary>Spawns lc-init for a container or an exec; the parent's ends of the stdio stay with <paramref name="stdio"/>.</summary>
    private static InitSession SpawnInit(string initPath, string id, InitPlan plan, ProcessStdio stdio,
        IReadOnlyList<System.Runtime.InteropServices.SafeHandle> extraFiles, string? fifoPath, CgroupJoin? cgroupJoin, TimeSpan synchronousWait)
    {
        SafeFd? fifo = null;
        List<SafeFd> cgroupFds = [];
        try
        {
            fifo = fifoPath is null ? null : Sys.Open(fifoPath, LibC.O_PATH);
            cgroupFds = cgroupJoin?.Open() ?? [];
            return InitSession.Spawn(initPath, id, plan, stdio.ChildFds, extraFiles, fifo, cgroupFds, synchronousWait);
        }
        finally
        {
            fifo?.Dispose();
            cgroupFds.ForEach(f => f.Dispose());
            stdio.CloseChildEnds();
        }
    }

    /// <summary>The pid of a process in its own pid namespace (the last NSpid of /proc/pid/status): 1 for a container's init in a new one.</summary>
    private static int ContainerViewPid(int pid)
    {
        foreach (string line in Sys.TryReadText($"/proc/{pid}/status")?.Split('\n') ?? [])
        {
            if (line.StartsWith("NSpid:", StringComparison.Ordinal) &&
                int.TryParse(line.AsSpan(6).Trim().ToString().Split('\t', ' ')[^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int inner))
            {
                return inner;
            }
        }
        return pid;
    }

    /// <summary>The OCI state as hooks receive it on stdin.</summary>
    internal static ContainerState OciState(string id, string status, int pid, string? bundle, RuntimeSpec spec) => new()
    {
        OciVersion = OciVersion,
        Id = id,
        Status = status,
        Pid = pid > 0 ? pid : null,
        Bundle = bundle ?? "",
        Annotations = spec.Annotations,
    };

    /// <summary>
    /// What the init gives the hooks it runs in the container's namespaces: the createContainer state, NUL,
    /// the startContainer state. Both say "created" (the create operation has made everything the process
    /// needs; it has not run the program), with the pid "as seen by the container" (the spec's words for
    /// hooks in the container namespaces).
    /// </summary>
    private static byte[]? HookStates(RuntimeSpec spec, ContainerState created)
    {
        if (spec.Hooks?.CreateContainer is not { Count: > 0 } && spec.Hooks?.StartContainer is not { Count: > 0 })
        {
            return null;
        }
        string json = created.ToJson();
        return Encoding.UTF8.GetBytes(json + "\0" + json);
    }

    /// <summary>Validates a spec and compiles it into the plan, with the bundle and root it resolves to.</summary>
    internal static (InitPlan Plan, string? Bundle, string Rootfs) Compile(RuntimeSpec spec, ContainerOptions options, string? id = null, CgroupJoin? cgroupJoin = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? bundle = options.BundlePath is null ? null : Path.GetFullPath(options.BundlePath);
        SpecValidator.ThrowIfInvalid(spec, bundle);
        if (options.KillOnHostExit && options.Detached)
        {
            throw new ArgumentException("ContainerOptions.KillOnHostExit: not with Detached, whose host exits before the container", nameof(options));
        }
        if (!Rootless.IsRoot && spec.Linux?.Namespaces?.Any(n => n.Type == "user" && string.IsNullOrEmpty(n.Path)) != true)
        {
            throw new ArgumentException($"linux.namespaces: without root (uid {Tmds.Linux.LibC.geteuid()}) a container needs a new user namespace that maps this user (see RuntimeSpec.CreateRootless)");
        }
        if (spec.Linux?.Resources is { } resources && Rootless.IsRoot)
        {
            // Against the controllers this host really has (v1, v2 or both), before anything is made.
            IReadOnlyList<SpecError> errors = CgroupManager.ForNewContainer(CgroupHost.Layout, spec.Linux.CgroupsPath, "validate")
                .Validate(resources, CgroupHost.Info);
            if (errors.Count > 0)
            {
                throw new SpecValidationException(errors);
            }
        }
        string path = spec.Root?.Path ?? throw new ArgumentException("root.path: required");
        string rootfs = Path.GetFullPath(Path.IsPathRooted(path) || bundle is null ? path : Path.Combine(bundle, path));
        return (PlanBuilder.Build(PrepareEnv(spec, options), PlanContext.FromHost(rootfs, bundle, options.NoPivotRoot, options.ExtraFiles.Count, options.ListenFds) with
        {
            ContainerId = id,
            CgroupJoin = cgroupJoin,
            NoNewKeyring = options.NoNewKeyring,
            KillOnHostExit = options.KillOnHostExit,
        }), bundle, rootfs);
    }

    /// <summary>What the plan leaves out of the spec, each a warning the runtime-spec asks for.</summary>
    private static void LogWarnings(ILogger logger, string id, InitPlan plan)
    {
        foreach (string warning in plan.Warnings)
        {
            logger.SpecWarning(id, warning);
        }
    }

    /// <summary>Resource settings the kernel no longer has: accepted, logged, not applied (as runc and crun do).</summary>
    private static void WarnIgnoredResources(RuntimeSpec spec, ILogger logger, string id)
    {
        LinuxMemory? memory = spec.Linux?.Resources?.Memory;
        if (memory?.Kernel is not null)
        {
            logger.ResourceIgnored(id, "linux.resources.memory.kernel", "the kernel no longer limits kernel memory separately");
        }
        if (memory?.KernelTcp is not (null or 0) && !MemoryV1.HasKernelTcp(CgroupHost.Layout.V1Hierarchy("memory")?.MountPoint))
        {
            logger.ResourceIgnored(id, "linux.resources.memory.kernelTCP", "this kernel has no memory.kmem.tcp.limit_in_bytes");
        }
        if (CgroupHost.Layout.VersionOf("memory") == CgroupVersion.V2)
        {
            if (memory?.Swappiness is not null)
            {
                logger.ResourceIgnored(id, "linux.resources.memory.swappiness", "cgroup v2 has no per-cgroup swappiness");
            }
            if (memory?.DisableOomKiller is not null)
            {
                logger.ResourceIgnored(id, "linux.resources.memory.disableOOMKiller", "cgroup v2 cannot disable the OOM killer");
            }
        }
    }

    /// <summary>With <see cref="ContainerOptions.ListenFds"/>: LISTEN_FDS in the process's env (the init adds LISTEN_PID).</summary>
    internal static RuntimeSpec PrepareEnv(RuntimeSpec spec, ContainerOptions options)
    {
        if (!options.ListenFds || spec.Process is null)
        {
            return spec;
        }
        List<string> env = [.. (spec.Process.Env ?? []).Where(e => !e.StartsWith("LISTEN_FDS=", StringComparison.Ordinal) && !e.StartsWith("LISTEN_PID=", StringComparison.Ordinal))];
        env.Add($"LISTEN_FDS={options.ExtraFiles.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return spec with { Process = spec.Process with { Env = env } };
    }
}

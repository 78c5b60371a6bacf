using System.Buffers.Binary;
using System.Net.Sockets;
using LibContainer.Cgroups;
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
    /// create: state directory and exec fifo; spawn the native init with the socket, fifo and stdio;
    /// send the plan; learn the container's pid; (cgroups, maps: later issues) say go; wait for ready.
    /// Everything made is undone if any step fails.
    /// </summary>
    internal static async Task<Container> CreateAsync(string stateRoot, string initPath, string id, RuntimeSpec spec,
        ContainerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ContainerId.Validate(id);
        (InitPlan plan, string? bundle, string rootfs) = Compile(spec, options);
        byte[] payload = plan.Encode();
        logger.PlanBuilt(id, plan.Count, initPath);

        StateDirectory dir = StateDirectory.Create(stateRoot, id);
        var state = new StoredState
        {
            Id = id,
            Phase = StoredState.PhaseCreating,
            Bundle = bundle,
            Rootfs = rootfs,
            Created = DateTimeOffset.UtcNow,
        };
        int pid = 0;
        Task<ExitStatus>? exit = null;
        Stdio? stdio = null;
        CgroupManager cgroups = CgroupManager.ForNewContainer(CgroupHost.Layout, spec.Linux?.CgroupsPath, id);
        try
        {
            using IDisposable? held = await dir.LockAsync(cancellationToken).ConfigureAwait(false);
            dir.WriteConfig(spec);
            dir.Write(state);
            Sys.MkFifo(dir.FifoPath, Convert.ToUInt32("622", 8));
            File.SetUnixFileMode(dir.FifoPath, (UnixFileMode)Convert.ToInt32("622", 8)); // not the umask's: any user may start it
            stdio = Stdio.Create(options);
            (SafeFd parentEnd, SafeFd childEnd) = Sys.SocketPair();
            using Socket socket = new(new SafeSocketHandle(parentEnd.DangerousGetHandle(), ownsHandle: true));
            parentEnd.SetHandleAsInvalid(); // the socket owns it now
            int stage0;
            using (childEnd)
            using (SafeFd fifo = Sys.Open(dir.FifoPath, LibC.O_PATH))
            {
                var fds = new List<(SafeFd, int)>(stdio.ChildFds) { (childEnd, InitFds.Socket), (fifo, InitFds.ExecFifo) };
                stage0 = Sys.Spawn(initPath, [NativeInit.FileName], [$"_LIBCONTAINER_INITPIPE={InitFds.Socket}"], fds);
            }
            stdio.CloseChildEnds();
            Task<ExitStatus> stage0Exit = Reaper.Shared.WatchAsync(stage0, startTime: 0);

            for (int at = 0; at < payload.Length; at += ChunkSize)
            {
                await socket.SendAsync(payload.AsMemory(at, Math.Min(ChunkSize, payload.Length - at)), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            (uint type, int step, int value) = await ReceiveAsync(socket, id, plan, cancellationToken).ConfigureAwait(false);
            if (type != 1 /* LC_MSG_PID */)
            {
                throw new ContainerStartException(id, $"the init sent message {type} where its pid was expected");
            }
            pid = value;
            ulong startTime = ProcStat.TryRead(pid)?.StartTime ?? 0;
            exit = Reaper.Shared.WatchAsync(pid, startTime, Sys.PidfdOpen(pid));
            state = state with
            {
                Pid = pid,
                PidStartTime = startTime,
                CgroupPath = cgroups.Path,
                CgroupDirectories = [.. cgroups.Directories],
            };
            dir.Write(state); // from here a crash leaves a record that Destroy can act on
            logger.InitCloned(id, pid);

            // The child exists and waits: its cgroups, with their limits, before it runs anything.
            try
            {
                cgroups.Create();
            }
            finally
            {
                state = state with { CgroupsCreated = [.. cgroups.Created] };
                dir.Write(state);
            }
            WarnIgnoredResources(spec, logger, id);
            cgroups.Apply(CgroupResources.Effective(spec));
            cgroups.AddProcess(pid);

            await socket.SendAsync(GoMessage(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            (type, _, _) = await ReceiveAsync(socket, id, plan, cancellationToken).ConfigureAwait(false);
            if (type != 2 /* LC_MSG_READY */)
            {
                throw new ContainerStartException(id, $"the init sent message {type} where ready was expected");
            }
            await stage0Exit.WaitAsync(cancellationToken).ConfigureAwait(false);
            Reaper.Shared.Forget(stage0, 0);

            state = state with { Phase = StoredState.PhaseCreated };
            dir.Write(state);
            var init = new ContainerProcess(pid, startTime, exit, stdio.ParentStdin, stdio.ParentStdout, stdio.ParentStderr);
            logger.ContainerCreated(id, pid);
            return new Container(dir, state, spec, init, cgroups, logger);
        }
        catch (Exception ex)
        {
            logger.CreateFailed(ex, id);
            if (pid > 0)
            {
                Sys.Kill(pid, (int)Signal.Kill);
                if (exit is not null)
                {
                    await exit.ConfigureAwait(false);
                }
                Reaper.Shared.Forget(pid, state.PidStartTime);
            }
            await cgroups.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
            stdio?.Dispose();
            dir.Delete();
            throw;
        }
    }

    /// <summary>Validates a spec and compiles it into the plan, with the bundle and root it resolves to.</summary>
    internal static (InitPlan Plan, string? Bundle, string Rootfs) Compile(RuntimeSpec spec, ContainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? bundle = options.BundlePath is null ? null : Path.GetFullPath(options.BundlePath);
        SpecValidator.ThrowIfInvalid(spec, bundle);
        if (spec.Linux?.Resources is { } resources)
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
        return (PlanBuilder.Build(spec, PlanContext.FromHost(rootfs, bundle, options.NoPivotRoot)), bundle, rootfs);
    }

    /// <summary>Resource settings the kernel no longer has: accepted, logged, not applied (as runc and crun do).</summary>
    private static void WarnIgnoredResources(RuntimeSpec spec, ILogger logger, string id)
    {
        LinuxMemory? memory = spec.Linux?.Resources?.Memory;
        if (memory?.Kernel is not null)
        {
            logger.ResourceIgnored(id, "linux.resources.memory.kernel", "the kernel no longer limits kernel memory separately");
        }
        if (memory?.KernelTcp is not null)
        {
            logger.ResourceIgnored(id, "linux.resources.memory.kernelTCP", "the kernel no longer limits TCP buffer memory separately");
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
        LinuxNetwork? network = spec.Linux?.Resources?.Network;
        if (network?.ClassId is not null && CgroupHost.Layout.VersionOf("net_cls") is null)
        {
            logger.ResourceIgnored(id, "linux.resources.network.classID", "this host has no net_cls hierarchy");
        }
        if (network?.Priorities is { Count: > 0 } && CgroupHost.Layout.VersionOf("net_prio") is null)
        {
            logger.ResourceIgnored(id, "linux.resources.network.priorities", "this host has no net_prio hierarchy");
        }
    }

    private static ReadOnlyMemory<byte> GoMessage()
    {
        byte[] message = new byte[MessageSize];
        BinaryPrimitives.WriteUInt32LittleEndian(message, 4 /* LC_MSG_GO */);
        return message;
    }

    /// <summary>Reads one message of the init; an error message becomes the exception that names the step.</summary>
    private static async Task<(uint Type, int Step, int Value)> ReceiveAsync(Socket socket, string id, InitPlan plan, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MessageSize];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw new ContainerStartException(id, "the init exited without reporting (see its stderr)");
        }
        if (n != MessageSize)
        {
            throw new ContainerStartException(id, $"the init sent a message of {n} bytes");
        }
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        int step = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4));
        int value = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8));
        if (type == 3 /* LC_MSG_ERROR */)
        {
            throw new ContainerStartException(id, step, plan.Describe(step), value, Hint(plan, step, value));
        }
        return (type, step, value);
    }

    /// <summary>What a person should know about a failure whose cause is known.</summary>
    private static string? Hint(InitPlan plan, int step, int errno)
    {
        if (step < 0 || step >= plan.Count)
        {
            return null;
        }
        InitStep s = plan.Steps[step];
        return s.Op switch
        {
            InitOp.SetRlimit when errno == LibC.EPERM =>
                $"Raising {Rlimits.Name((int)s.A)} above the current hard limit needs CAP_SYS_RESOURCE, which this process lacks.",
            InitOp.LookupExec when errno == LibC.ENOENT => $"The executable '{s.Path}' is not in the container's root filesystem.",
            InitOp.LookupExec when errno == LibC.EACCES => $"'{s.Path}' is not an executable file for the container's user.",
            InitOp.Chdir when errno == LibC.ENOENT => $"The working directory {s.Path} does not exist in the container.",
            InitOp.SetNs when errno == LibC.ENOENT => $"The namespace file {s.Path} does not exist.",
            _ => null,
        };
    }

    /// <summary>The init's stdin, stdout and stderr: the caller's, /dev/null, or pipes.</summary>
    private sealed class Stdio : IDisposable
    {
        private readonly List<SafeFd> _childEnds = [];

        public List<(SafeFd Fd, int Target)> ChildFds { get; } = [];

        public Stream? ParentStdin { get; private set; }

        public Stream? ParentStdout { get; private set; }

        public Stream? ParentStderr { get; private set; }

        public static Stdio Create(ContainerOptions options)
        {
            var stdio = new Stdio();
            try
            {
                stdio.ParentStdin = stdio.Add(options.Stdin, 0, childReads: true);
                stdio.ParentStdout = stdio.Add(options.Stdout, 1, childReads: false);
                stdio.ParentStderr = stdio.Add(options.Stderr, 2, childReads: false);
                return stdio;
            }
            catch
            {
                stdio.Dispose();
                throw;
            }
        }

        private FdStream? Add(StdioMode mode, int target, bool childReads)
        {
            switch (mode)
            {
                case StdioMode.Inherit:
                    ChildFds.Add((SafeFd.Borrow(target), target));
                    return null;
                case StdioMode.Null:
                    SafeFd devNull = Sys.Open("/dev/null", LibC.O_RDWR);
                    _childEnds.Add(devNull);
                    ChildFds.Add((devNull, target));
                    return null;
                default:
                    (SafeFd read, SafeFd write) = Sys.Pipe();
                    SafeFd child = childReads ? read : write;
                    _childEnds.Add(child);
                    ChildFds.Add((child, target));
                    return new FdStream(childReads ? write : read, write: childReads);
            }
        }

        public void CloseChildEnds()
        {
            foreach (SafeFd fd in _childEnds)
            {
                fd.Dispose();
            }
        }

        public void Dispose()
        {
            CloseChildEnds();
            ParentStdin?.Dispose();
            ParentStdout?.Dispose();
            ParentStderr?.Dispose();
        }
    }
}

using LibContainer.Init;
using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.Processes;
using LibContainer.Spec;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>
    /// exec: the native init joins every namespace of the container, clones the process into them
    /// and into the container's cgroups (<see cref="CgroupJoin"/>; as a child of this process, so its
    /// exit status is ours), and it applies its own user, rlimits, cwd and terminal, then execs.
    /// </summary>
    private async Task<IProcess> ExecCoreAsync(Process process, ExecOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        options ??= new ExecOptions();
        ContainerStatus status = Status;
        if (status is not (ContainerStatus.Running or ContainerStatus.Created))
        {
            throw new InvalidOperationException($"Container '{Id}' is {status}; Exec needs Running (or Created).");
        }
        RuntimeSpec execSpec = Config with { Process = process };
        SpecValidator.ThrowIfInvalid(execSpec, Bundle);
        execSpec = PrepareEnv(execSpec, new ContainerOptions { ExtraFiles = options.ExtraFiles, ListenFds = options.ListenFds });
        var context = new PlanContext { RootfsPath = _state.Rootfs, BundlePath = Bundle, ExtraFiles = options.ExtraFiles.Count, ListenFds = options.ListenFds, GrantableCapabilities = PlanContext.HostGrantableCapabilities, CgroupJoin = _cgroups?.Join };
        InitPlan plan = PlanBuilder.BuildExec(Config, execSpec.Process!, Init.Pid, context);
        LogWarnings(_logger, Id, plan);

        ProcessStdio stdio = ProcessStdio.Create(options.Stdin, options.Stdout, options.Stderr, process.Terminal);
        int pid = 0;
        Lazy<Task<ExitStatus>>? exit = null;
        FdStream? console = null;
        try
        {
            using InitSession init = SpawnInit(_initPath(), Id, plan, stdio, options.ExtraFiles, fifoPath: null, context.CgroupJoin, _synchronousWait);
            await init.SendPlanAsync(cancellationToken).ConfigureAwait(false);
            InitMessage message = await init.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (message.Type != InitMessageType.Pid)
            {
                throw new ContainerStartException(Id, $"the init sent message {message.Type} where the exec's pid was expected");
            }
            pid = message.Value;
            CrashPoint.Hit("exec.pid");
            ulong startTime = ProcStat.TryRead(pid)?.StartTime ?? 0;
            exit = Reaper.Shared.WatchChild(pid, startTime, options.Detached, whenAsked: _synchronousWait > TimeSpan.Zero);
            if (message.Detail == 0)
            {
                _cgroups?.AddToUnified(pid); // the kernel would not clone it into the container's cgroup
            }
            await init.SendGoAsync(null, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("exec.go");
            console = await AwaitReadyAsync(init, Id, execSpec, OciState(Id, "running", Init.Pid, Bundle, Config), runtimeHookState: null, cancellationToken).ConfigureAwait(false);
            _logger.Executed(Id, pid);
            return new ContainerProcess(pid, startTime, exit, stdio.ParentStdin, stdio.ParentStdout, stdio.ParentStderr, console)
            {
                SynchronousWait = _synchronousWait,
            };
        }
        catch
        {
            if (pid > 0)
            {
                Sys.Kill(pid, (int)Signal.Kill);
                if (exit is not null)
                {
                    await exit.Value.ConfigureAwait(false);
                }
            }
            console?.Dispose();
            stdio.Dispose();
            throw;
        }
    }
}

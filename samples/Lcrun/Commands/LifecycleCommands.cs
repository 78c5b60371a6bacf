using LibContainer;
using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Io;

namespace Lcrun.Commands;

/// <summary>create, run and start: the container's life from a bundle to its running program.</summary>
internal static class LifecycleCommands
{
    private static readonly Flag[] s_createFlags =
    [
        Flag.Value("bundle", "path to the root of the bundle directory, defaults to the current directory", "b"),
        Flag.Value("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        Flag.Value("pid-file", "specify the file to write the process id to"),
        Flag.Bool("no-pivot", "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"),
        Flag.Bool("no-new-keyring", "do not create a new session keyring for the container (accepted: lcrun makes no keyring)"),
        Flag.Value("preserve-fds", "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"),
    ];

    private static readonly Flag[] s_runFlags =
    [
        .. s_createFlags,
        Flag.Bool("detach", "detach from the container's process", "d"),
        Flag.Bool("keep", "do not delete the container after it exits"),
        Flag.Bool("no-subreaper", "disable the use of the subreaper used to reap reparented processes (accepted)"),
    ];

    public static Command Create { get; } = new("create", "create a container", "<container-id>", s_createFlags, (ctx, args) => CreateAsync(ctx, args, run: false))
    {
        ExactArgs = 1,
        FailurePrefix = "lcrun create failed: ",
    };

    public static Command Run { get; } = new("run", "create and run a container", "<container-id>", s_runFlags, (ctx, args) => CreateAsync(ctx, args, run: true))
    {
        ExactArgs = 1,
        FailurePrefix = "lcrun run failed: ",
    };

    public static Command Start { get; } = new("start", "executes the user defined process in a created container", "<container-id>", [], StartAsync)
    {
        ExactArgs = 1,
    };

    private static async Task<int> CreateAsync(CommandContext ctx, ParsedArgs args, bool run)
    {
        string id = args.Id;
        string bundle = Path.GetFullPath(args.Get("bundle") is { Length: > 0 } b ? b : Directory.GetCurrentDirectory());
        string? pidFile = args.Get("pid-file") is { Length: > 0 } p ? Path.GetFullPath(p) : null;
        string? consoleSocket = args.Get("console-socket");
        bool detach = !run || args.GetBool("detach");
        RuntimeSpec spec = CommandContext.LoadBundleSpec(bundle);
        bool terminal = spec.Process?.Terminal == true;
        ConsoleHandoff.Check(terminal, detach, consoleSocket);
        (IReadOnlyList<System.Runtime.InteropServices.SafeHandle> files, int listenFds) = InheritedFds.Collect(args.GetInt("preserve-fds"));
        if (await ctx.ExistsAsync(id).ConfigureAwait(false))
        {
            throw new CliException("container with given ID already exists");
        }
        if (listenFds > 0 && files.Count > listenFds && spec.Process is { } process)
        {
            // runc counts only $LISTEN_FDS in LISTEN_FDS; the library would count every extra file.
            spec.Process = process with { Env = [.. process.Env ?? [], $"LISTEN_FDS={listenFds}", "LISTEN_PID=1"] };
        }
        var options = new ContainerOptions
        {
            BundlePath = bundle,
            Stdin = StdioMode.Inherit,
            Stdout = StdioMode.Inherit,
            Stderr = StdioMode.Inherit,
            NoPivotRoot = args.GetBool("no-pivot"),
            ExtraFiles = files,
            ListenFds = listenFds > 0 && files.Count == listenFds,
            Detached = !run || detach, // create and run -d leave the init to the next parent (a subreaper)
        };
        ctx.Log.DebugLine($"creating container {id} from bundle {bundle}");
        if (run && !terminal)
        {
            return await RunAsync(ctx, id, spec, options, detach, pidFile, keep: args.GetBool("keep")).ConfigureAwait(false);
        }
        IContainer container = await ctx.Factory.CreateAsync(id, spec, options).ConfigureAwait(false);
        try
        {
            if (terminal && detach)
            {
                ConsoleHandoff.Send(container.InitProcess, consoleSocket!);
            }
            if (!run)
            {
                WritePidFile(pidFile, container.InitProcess.Pid);
                return 0;
            }
            return await RunCreatedAsync(container, terminal, detach, pidFile, keep: args.GetBool("keep")).ConfigureAwait(false);
        }
        catch
        {
            await container.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// run without a terminal, through the factory's RunAsync (create and start in one: the init goes
    /// on to exec without waiting for a separate start). Signals are taken from before the container
    /// exists and forwarded once it does; detached, write the pid and leave; else wait, delete, and
    /// exit with the container's status.
    /// </summary>
    private static async Task<int> RunAsync(CommandContext ctx, string id, RuntimeSpec spec, ContainerOptions options,
        bool detach, string? pidFile, bool keep)
    {
        using SignalForwarder? forwarder = detach ? null : new SignalForwarder();
        IContainer container = await ctx.Factory.RunAsync(id, spec, options).ConfigureAwait(false);
        ExitStatus status;
        try
        {
            WritePidFile(pidFile, container.InitProcess.Pid);
            if (detach)
            {
                return 0;
            }
            forwarder!.Attach(container.InitProcess);
            status = await container.InitProcess.WaitForExitAsync().ConfigureAwait(false);
        }
        catch
        {
            await container.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        if (!keep)
        {
            await container.DestroyAsync().ConfigureAwait(false);
        }
        return ExitCode(status);
    }

    /// <summary>run after create: start; detached, write the pid and leave; else proxy, wait, delete, and exit with the container's status.</summary>
    private static async Task<int> RunCreatedAsync(IContainer container, bool terminal, bool detach, string? pidFile, bool keep)
    {
        if (detach)
        {
            await container.StartAsync().ConfigureAwait(false);
            WritePidFile(pidFile, container.InitProcess.Pid);
            return 0;
        }
        using var forwarder = new SignalForwarder(container.InitProcess);
        TerminalProxy? proxy = terminal ? TerminalProxy.Start(container.InitProcess) : null;
        ExitStatus status;
        try
        {
            await container.StartAsync().ConfigureAwait(false);
            WritePidFile(pidFile, container.InitProcess.Pid);
            status = await container.InitProcess.WaitForExitAsync().ConfigureAwait(false);
        }
        finally
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }
        }
        if (!keep)
        {
            await container.DestroyAsync().ConfigureAwait(false);
        }
        return ExitCode(status);
    }

    /// <summary>The exit code lcrun passes on, as runc: the container's, 128+signal, or 255 when unknown.</summary>
    internal static int ExitCode(ExitStatus status) => status.IsKnown ? status.Code : 255;

    internal static void WritePidFile(string? pidFile, int pid)
    {
        if (pidFile is not null)
        {
            PidFile.Write(pidFile, pid);
        }
    }

    private static async Task<int> StartAsync(CommandContext ctx, ParsedArgs args)
    {
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        switch (container.Status)
        {
            case ContainerStatus.Created:
                await container.StartAsync().ConfigureAwait(false);
                return 0;
            case ContainerStatus.Stopped:
                throw new CliException("cannot start a container that has stopped");
            case ContainerStatus.Running:
                throw new CliException("cannot start an already running container");
            default:
                throw new CliException($"cannot start a container in the {CommandContext.StatusName(container.Status)} state");
        }
    }
}

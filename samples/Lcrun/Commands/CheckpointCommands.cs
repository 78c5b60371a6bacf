using LibContainer;
using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Io;

namespace Lcrun.Commands;

/// <summary>checkpoint and restore through CRIU, with runc's flags; the work is the library's.</summary>
internal static class CheckpointCommands
{
    private static readonly Flag[] s_sharedFlags =
    [
        Flag.Value("image-path", "path for saving criu image files"),
        Flag.Value("work-path", "path for saving work files and logs"),
        Flag.Bool("tcp-established", "allow open tcp connections"),
        Flag.Bool("ext-unix-sk", "allow external unix sockets"),
        Flag.Bool("shell-job", "allow shell jobs"),
        Flag.Bool("file-locks", "handle file locks, for safety"),
        Flag.Value("manage-cgroups-mode", "cgroups mode: 'soft' (default), 'full', 'strict' and 'ignore'"),
        Flag.Value("empty-ns", "create a namespace, but don't restore its properties (network only)"),
        Flag.Bool("auto-dedup", "enable auto deduplication of memory images (not supported)"),
        Flag.Bool("lazy-pages", "use userfaultfd to lazily restore memory pages (not supported)"),
    ];

    private static readonly Flag[] s_checkpointFlags =
    [
        .. s_sharedFlags,
        Flag.Value("parent-path", "path for previous criu image files in pre-dump"),
        Flag.Bool("leave-running", "leave the process running after checkpointing"),
        Flag.Bool("pre-dump", "dump container's memory information only, leave the container running after this"),
        Flag.Value("page-server", "ADDRESS:PORT of the page server (not supported)"),
        Flag.Value("status-fd", "criu writes \\0 to this FD once lazy-pages is ready (not supported)"),
    ];

    private static readonly Flag[] s_restoreFlags =
    [
        .. s_sharedFlags,
        Flag.Value("bundle", "path to the root of the bundle directory", "b"),
        Flag.Bool("detach", "detach from the container's process", "d"),
        Flag.Value("pid-file", "specify the file to write the process id to"),
        Flag.Value("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal (not supported)"),
        Flag.Bool("no-subreaper", "disable the use of the subreaper used to reap reparented processes (accepted)"),
        Flag.Bool("no-pivot", "do not use pivot root to jail process inside rootfs (accepted: CRIU restores the root)"),
        Flag.Value("lsm-profile", "Specify an LSM profile to be used during restore (not supported)"),
        Flag.Value("lsm-mount-context", "Specify an LSM mount context to be used during restore (not supported)"),
    ];

    private static readonly string[] s_unsupported = ["auto-dedup", "lazy-pages", "page-server", "status-fd", "console-socket", "lsm-profile", "lsm-mount-context"];

    public static Command Checkpoint { get; } = new("checkpoint", "checkpoint a running container", "<container-id>", s_checkpointFlags, CheckpointAsync)
    {
        ExactArgs = 1,
    };

    public static Command Restore { get; } = new("restore", "restore a container from a previous checkpoint", "<container-id>", s_restoreFlags, RestoreAsync)
    {
        ExactArgs = 1,
    };

    /// <summary>As runc: after a checkpoint that ends the processes (not --leave-running, not --pre-dump) the container is deleted.</summary>
    private static async Task<int> CheckpointAsync(CommandContext ctx, ParsedArgs args)
    {
        RefuseUnsupported(args);
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        if (container.Status is ContainerStatus.Created or ContainerStatus.Stopped)
        {
            throw new CliException($"Container cannot be checkpointed in {CommandContext.StatusName(container.Status)} state");
        }
        var options = new CheckpointOptions
        {
            ImagePath = ImagePath(args),
            WorkPath = FullPath(args.Get("work-path")),
            CriuPath = ctx.Options.Criu,
            LeaveRunning = args.GetBool("leave-running"),
            PreDump = args.GetBool("pre-dump"),
            ParentPath = args.Get("parent-path") is { Length: > 0 } parent ? parent : null,
            TcpEstablished = args.GetBool("tcp-established"),
            ExternalUnixSockets = args.GetBool("ext-unix-sk"),
            ShellJob = args.GetBool("shell-job"),
            FileLocks = args.GetBool("file-locks"),
            ManageCgroupsMode = CgroupMode(args),
            EmptyNetworkNamespace = EmptyNetwork(args),
        };
        ctx.Log.DebugLine($"checkpointing container {args.Id} into {options.ImagePath}");
        await container.CheckpointAsync(options).ConfigureAwait(false);
        if (!options.LeaveRunning && !options.PreDump)
        {
            await container.DestroyAsync().ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>
    /// As runc restore: -d restores and leaves (the pid in --pid-file, the exit to the next parent);
    /// without it lcrun stays, forwards signals, and exits with the container's status after deleting it.
    /// </summary>
    private static async Task<int> RestoreAsync(CommandContext ctx, ParsedArgs args)
    {
        RefuseUnsupported(args);
        string id = args.Id;
        string bundle = Path.GetFullPath(args.Get("bundle") is { Length: > 0 } b ? b : Directory.GetCurrentDirectory());
        string? pidFile = FullPath(args.Get("pid-file"));
        bool detach = args.GetBool("detach");
        RuntimeSpec spec = CommandContext.LoadBundleSpec(bundle);
        if (await ctx.ExistsAsync(id).ConfigureAwait(false))
        {
            throw new CliException("container with given ID already exists");
        }
        var options = new RestoreOptions
        {
            ImagePath = ImagePath(args),
            WorkPath = FullPath(args.Get("work-path")),
            CriuPath = ctx.Options.Criu,
            BundlePath = bundle,
            Stdin = StdioMode.Inherit,
            Stdout = StdioMode.Inherit,
            Stderr = StdioMode.Inherit,
            Detached = detach,
            TcpEstablished = args.GetBool("tcp-established"),
            ExternalUnixSockets = args.GetBool("ext-unix-sk"),
            ShellJob = args.GetBool("shell-job"),
            FileLocks = args.GetBool("file-locks"),
            ManageCgroupsMode = CgroupMode(args),
            EmptyNetworkNamespace = EmptyNetwork(args),
        };
        ctx.Log.DebugLine($"restoring container {id} from {options.ImagePath}");
        IContainer container = await ctx.Factory.RestoreAsync(id, spec, options).ConfigureAwait(false);
        LifecycleCommands.WritePidFile(pidFile, container.InitProcess.Pid);
        if (detach)
        {
            return 0;
        }
        ExitStatus status;
        using (new SignalForwarder(container.InitProcess))
        {
            status = await container.InitProcess.WaitForExitAsync().ConfigureAwait(false);
        }
        await container.DestroyAsync().ConfigureAwait(false);
        return LifecycleCommands.ExitCode(status);
    }

    /// <summary>runc's default: ./checkpoint.</summary>
    private static string ImagePath(ParsedArgs args) =>
        FullPath(args.Get("image-path")) ?? Path.Combine(Directory.GetCurrentDirectory(), "checkpoint");

    private static string? FullPath(string? path) => path is { Length: > 0 } ? Path.GetFullPath(path) : null;

    private static CriuCgroupMode CgroupMode(ParsedArgs args) => args.Get("manage-cgroups-mode") switch
    {
        null or "" or "soft" => CriuCgroupMode.Soft,
        "full" => CriuCgroupMode.Full,
        "strict" => CriuCgroupMode.Strict,
        "ignore" => CriuCgroupMode.Ignore,
        string other => throw new CliException($"Invalid manage cgroups mode: {other}"),
    };

    /// <summary>runc's --empty-ns takes a namespace name; CRIU can leave only the network namespace empty.</summary>
    private static bool EmptyNetwork(ParsedArgs args) => args.Get("empty-ns") switch
    {
        null or "" => false,
        "network" or "net" => true,
        string other => throw new CliException($"--empty-ns {other}: only the network namespace can be left empty"),
    };

    private static void RefuseUnsupported(ParsedArgs args)
    {
        foreach (string flag in s_unsupported)
        {
            if (args.IsSet(flag))
            {
                throw new CliException($"--{flag} is not supported by lcrun");
            }
        }
    }
}

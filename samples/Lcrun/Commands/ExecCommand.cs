using System.Globalization;
using LibContainer;
using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Interop;
using Lcrun.Io;
using SpecProcess = LibContainer.Spec.Process;

namespace Lcrun.Commands;

/// <summary>exec: another process in a running container, from --process or from the container's own process spec with overrides.</summary>
internal static class ExecCommand
{
    private static readonly Flag[] s_flags =
    [
        Flag.Value("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        Flag.Value("cwd", "current working directory in the container"),
        Flag.Value("env", "set environment variables", "e"),
        Flag.Bool("tty", "allocate a pseudo-TTY", "t"),
        Flag.Value("user", "UID (format: <uid>[:<gid>])", "u"),
        Flag.Value("additional-gids", "additional gids", "g"),
        Flag.Value("process", "path to the process.json", "p"),
        Flag.Bool("detach", "detach from the container's process", "d"),
        Flag.Value("pid-file", "specify the file to write the process id to"),
        Flag.Value("process-label", "set the asm process label for the process commonly used with selinux (accepted; SELinux is not supported)"),
        Flag.Value("apparmor", "set the apparmor profile for the process (accepted; AppArmor is not supported)"),
        Flag.Bool("no-new-privs", "set the no new privileges value for the process"),
        Flag.Value("cap", "add a capability to the bounding set for the process", "c"),
        Flag.Value("preserve-fds", "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"),
        Flag.Value("cgroup", "run the process in an (existing) sub-cgroup(s) (not supported)"),
        Flag.Bool("ignore-paused", "allow exec in a paused container"),
    ];

    public static Command Definition { get; } = new("exec", "execute new process inside the container", "<container-id> <command> [command options]", s_flags, ExecAsync)
    {
        MinArgs = 1,
        StopAtFirstPositional = true,
        FailurePrefix = "exec failed: ",
        FailureExitCode = 255,
    };

    private static async Task<int> ExecAsync(CommandContext ctx, ParsedArgs args)
    {
        (IReadOnlyList<System.Runtime.InteropServices.SafeHandle> files, int listenFds) = InheritedFds.Collect(args.GetInt("preserve-fds"));
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        ContainerStatus status = container.Status;
        if (status == ContainerStatus.Stopped)
        {
            throw new CliException("cannot exec in a stopped container");
        }
        if (status == ContainerStatus.Paused && !args.GetBool("ignore-paused"))
        {
            throw new CliException("cannot exec in a paused container (use --ignore-paused to override)");
        }
        if (args.Get("cgroup") is { Length: > 0 })
        {
            throw new CliException("--cgroup is not supported: the process joins the container's cgroups");
        }

        SpecProcess process = BuildProcess(container, args);
        bool detach = args.GetBool("detach");
        string? consoleSocket = args.Get("console-socket");
        string? pidFile = args.Get("pid-file") is { Length: > 0 } p ? Path.GetFullPath(p) : null;
        ConsoleHandoff.Check(process.Terminal, detach, consoleSocket);
        var options = new ExecOptions
        {
            Stdin = StdioMode.Inherit,
            Stdout = StdioMode.Inherit,
            Stderr = StdioMode.Inherit,
            ExtraFiles = files,
            ListenFds = listenFds > 0 && files.Count == listenFds,
            Detached = detach, // the exit is the next parent's (containerd's shim): never reaped here
        };

        IProcess started = await container.ExecAsync(process, options).ConfigureAwait(false);
        if (detach)
        {
            if (process.Terminal)
            {
                ConsoleHandoff.Send(started, consoleSocket!);
            }
            LifecycleCommands.WritePidFile(pidFile, started.Pid);
            // The process's exit status belongs to our parent now (containerd's shim is a subreaper):
            // leave before anything in this process could reap it.
            ProcessCalls.ExitNow(0);
            return 0;
        }

        using var forwarder = new SignalForwarder(started);
        TerminalProxy? proxy = process.Terminal ? TerminalProxy.Start(started) : null;
        ExitStatus exit;
        try
        {
            LifecycleCommands.WritePidFile(pidFile, started.Pid);
            exit = await started.WaitForExitAsync().ConfigureAwait(false);
        }
        finally
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }
        }
        return LifecycleCommands.ExitCode(exit);
    }

    /// <summary>runc's getProcess: --process as it is, else the container's process with args and the flags' overrides.</summary>
    internal static SpecProcess BuildProcess(IContainer container, ParsedArgs args)
    {
        if (args.Get("process") is { Length: > 0 } path)
        {
            return LoadProcess(path);
        }
        SpecProcess template = container.Config.Process ?? throw new CliException("the container's config has no process to start from; use --process");
        List<string> command = args.Positionals.Skip(1).ToList();
        if (command.Count == 0)
        {
            throw new CliException("args must not be empty");
        }
        User user = template.User with { AdditionalGids = template.User.AdditionalGids is { } gids ? [.. gids] : null };
        if (args.Get("user") is { Length: > 0 } userText)
        {
            string[] parts = userText.Split(':', 2);
            user.Uid = ParseId(parts[0], "uid");
            if (parts.Length > 1)
            {
                user.Gid = ParseId(parts[1], "gid");
            }
        }
        foreach (string gid in args.GetAll("additional-gids"))
        {
            (user.AdditionalGids ??= []).Add(ParseId(gid, "additional gid"));
        }
        LinuxCapabilities? caps = template.Capabilities is { } c
            ? new LinuxCapabilities
            {
                Bounding = Copy(c.Bounding),
                Effective = Copy(c.Effective),
                Inheritable = Copy(c.Inheritable),
                Permitted = Copy(c.Permitted),
                Ambient = Copy(c.Ambient),
            }
            : null;
        foreach (string cap in args.GetAll("cap"))
        {
            caps ??= new LinuxCapabilities();
            (caps.Bounding ??= []).Add(cap);
            (caps.Effective ??= []).Add(cap);
            (caps.Inheritable ??= []).Add(cap);
            (caps.Permitted ??= []).Add(cap);
            (caps.Ambient ??= []).Add(cap);
        }
        return template with
        {
            Args = command,
            Cwd = args.Get("cwd") is { Length: > 0 } cwd ? cwd : template.Cwd,
            Env = [.. template.Env ?? [], .. args.GetAll("env")],
            Terminal = args.IsSet("tty") ? args.GetBool("tty") : template.Terminal,
            User = user,
            Capabilities = caps,
            NoNewPrivileges = args.IsSet("no-new-privs") ? args.GetBool("no-new-privs") : template.NoNewPrivileges,
            ApparmorProfile = args.Get("apparmor") ?? template.ApparmorProfile,
            SelinuxLabel = args.Get("process-label") ?? template.SelinuxLabel,
        };

        static List<string>? Copy(List<string>? list) => list is null ? null : [.. list];
    }

    /// <summary>A process.json (containerd writes one per exec), read with the library's spec reader and its error messages.</summary>
    internal static SpecProcess LoadProcess(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"open {path}: {ex.Message}");
        }
        // The library reads whole specs: wrap the process in one, so its errors name process.<field>.
        RuntimeSpec spec = RuntimeSpec.Parse($"{{\"ociVersion\":\"{RuntimeSpec.CurrentOciVersion}\",\"process\":\n{json}\n}}");
        SpecProcess process = spec.Process ?? throw new CliException($"{path}: no process");
        if (string.IsNullOrEmpty(process.Cwd))
        {
            throw new CliException("Cwd property must not be empty");
        }
        if (process.Args is not { Count: > 0 })
        {
            throw new CliException("args must not be empty");
        }
        return process;
    }

    private static uint ParseId(string text, string what) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint id)
            ? id
            : throw new CliException($"parsing {text} as int for {what} failed: invalid syntax");
}

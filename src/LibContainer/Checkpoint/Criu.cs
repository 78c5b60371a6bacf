using System.Globalization;
using System.Text;
using System.Text.Json;
using LibContainer.Interop;
using LibContainer.Processes;
using Tmds.Linux;

namespace LibContainer.Checkpoint;

/// <summary>
/// CRIU, run as its command line: found on PATH or where the options say, its version checked, run
/// with SIGKILL at the timeout or on cancellation (a hung criu ignores SIGTERM), and on failure the
/// end of its log in the error. The arguments are built here from the options and the container's
/// facts; which facts (bind mounts, cgroup paths, stdio pipes) is decided by the container.
/// </summary>
/// <remarks>
/// The command line rather than `criu swrk` RPC: the same options, the same log, and no protobuf
/// encoder in the library. What only RPC offers (CRIU handing back an orphaned pty master) is what a
/// container with a terminal would need; those are refused with a clear error instead.
/// </remarks>
internal sealed class Criu
{
    /// <summary>The oldest CRIU the library drives (the options used here all exist since 3.15, as crun requires).</summary>
    public static readonly Version MinimumVersion = new(3, 15);

    /// <summary>
    /// Kernels from 6.13 changed the vDSO layout: older CRIU fails every dump there ("vdso: Unexpected rt
    /// vDSO area bounds", checkpoint-restore/criu#2532); CRIU 4 handles it.
    /// </summary>
    public static readonly (Version Kernel, Version Criu) NewVdsoKernel = (new Version(6, 13), new Version(4, 0));

    /// <summary>Where a checkpoint records what the process's fds 0, 1 and 2 were (runc's and crun's name and format).</summary>
    public const string DescriptorsFile = "descriptors.json";

    /// <summary>The namespaces a container may join by path that CRIU can leave outside the dump, and their keys (crun's names).</summary>
    public static readonly IReadOnlyDictionary<string, string> ExternalNamespaceKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["network"] = "extRootNetNS",
        ["pid"] = "extRootPidNS",
    };

    private const int OutputLimit = 64 * 1024;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);
    private readonly string _containerId;
    private readonly string[] _environment;
    private readonly TimeSpan? _timeout;

    private Criu(string containerId, string path, Version version, string[] environment, TimeSpan? timeout)
    {
        _containerId = containerId;
        Path = path;
        Version = version;
        _environment = environment;
        _timeout = timeout;
    }

    /// <summary>The criu binary.</summary>
    public string Path { get; }

    /// <summary>Its version, from criu --version.</summary>
    public Version Version { get; }

    /// <summary>Finds criu and checks its version: a missing or too old criu is a <see cref="CheckpointException"/> that says which.</summary>
    public static async Task<Criu> LocateAsync(string containerId, CriuOptions options, CancellationToken cancellationToken)
    {
        string? path = options.CriuPath is not { } given ? FindOnPath("criu")
            : given.Contains('/', StringComparison.Ordinal) ? (File.Exists(given) ? given : null)
            : FindOnPath(given);
        if (path is null)
        {
            throw new CheckpointException(containerId, CriuFailure.NotFound, options.CriuPath is { } missing
                ? $"criu was not found at {missing} (CriuPath)"
                : $"criu was not found on PATH; checkpoint and restore need CRIU {MinimumVersion} or later");
        }
        // The version probe has its own bound: the caller's timeout is for the dump or restore.
        var probe = new Criu(containerId, path, new Version(0, 0), Environment(options.CriuEnvironment), ProbeTimeout);
        (ExitStatus status, _, string output) = await probe.RunAsync(["--version"], [], cancellationToken).ConfigureAwait(false);
        Version version = ParseVersion(output)
            ?? throw new CheckpointException(containerId, CriuFailure.Failed, $"{path} --version ({status}) printed no version: {output.Trim()}");
        if (TooOld(version, KernelVersion()) is { } reason)
        {
            throw new CheckpointException(containerId, CriuFailure.TooOld, $"{path} is CRIU {version}; {reason}");
        }
        return new Criu(containerId, path, version, probe._environment, options.Timeout);
    }

    /// <summary>Why CRIU <paramref name="criu"/> cannot serve on <paramref name="kernel"/>, or null when it can.</summary>
    public static string? TooOld(Version criu, Version? kernel)
    {
        if (criu < MinimumVersion)
        {
            return $"checkpoint and restore need {MinimumVersion} or later";
        }
        if (kernel is not null && kernel >= NewVdsoKernel.Kernel && criu < NewVdsoKernel.Criu)
        {
            return $"kernel {kernel} needs CRIU {NewVdsoKernel.Criu} or later (its vDSO layout changed in {NewVdsoKernel.Kernel}: checkpoint-restore/criu#2532)";
        }
        return null;
    }

    /// <summary>The running kernel's version (major.minor), from /proc/sys/kernel/osrelease ("6.18.44-...").</summary>
    private static Version? KernelVersion()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-');
            return parts.Length >= 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int major)
                && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int minor) ? new Version(major, minor) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The version in criu --version's output ("Version: 4.1.1").</summary>
    public static Version? ParseVersion(string output)
    {
        foreach (string line in output.Split('\n'))
        {
            string text = line.Trim();
            if (text.StartsWith("Version:", StringComparison.Ordinal)
                && Version.TryParse(text["Version:".Length..].Trim().Split(' ', '-')[0], out Version? version))
            {
                return version.Build < 0 ? new Version(version.Major, version.Minor, 0) : version;
            }
        }
        return null;
    }

    /// <summary>Whether criu check finds a kernel feature (mem_dirty_track, say).</summary>
    public async Task<bool> HasFeatureAsync(string feature, CancellationToken cancellationToken)
    {
        var probe = new Criu(_containerId, Path, Version, _environment, ProbeTimeout);
        (ExitStatus status, _, _) = await probe.RunAsync(["check", "--feature", feature], [], cancellationToken).ConfigureAwait(false);
        return status.ExitCode == 0;
    }

    /// <summary>
    /// Runs criu with <paramref name="arguments"/> (dump, pre-dump or restore), the fds placed for
    /// --inherit-fd; a non-zero exit is a <see cref="CheckpointException"/> with the end of its log.
    /// </summary>
    public async Task RunCheckedAsync(IReadOnlyList<string> arguments, string logPath, IReadOnlyList<(SafeFd Source, int Target)> fds,
        CancellationToken cancellationToken)
    {
        (ExitStatus status, bool timedOut, string output) = await RunAsync(arguments, fds, cancellationToken).ConfigureAwait(false);
        if (status.ExitCode != 0)
        {
            string verb = arguments[0];
            string message = timedOut && _timeout is { } limit
                ? $"criu {verb} did not finish within {limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (CriuOptions.Timeout) and was killed"
                : $"criu {verb} failed ({status})";
            throw new CheckpointException(_containerId, CriuFailure.Failed, message, logPath, LogTail(logPath, output));
        }
    }

    /// <summary>criu's output merged with its errors, and its exit; killed at the timeout or on cancellation.</summary>
    private async Task<(ExitStatus Status, bool TimedOut, string Output)> RunAsync(IReadOnlyList<string> arguments, IReadOnlyList<(SafeFd Source, int Target)> fds,
        CancellationToken cancellationToken)
    {
        (SafeFd outRead, SafeFd outWrite) = Sys.Pipe();
        using SafeFd devNull = Sys.Open("/dev/null", LibC.O_RDWR);
        int pid;
        try
        {
            pid = Sys.Spawn(Path, ["criu", .. arguments], _environment, [(devNull, 0), (outWrite, 1), (outWrite, 2), .. fds]);
        }
        catch (SyscallException ex)
        {
            outRead.Dispose();
            throw new CheckpointException(_containerId, CriuFailure.NotFound, $"cannot run {Path}: {SyscallException.Describe(ex.Errno)}", null, null);
        }
        finally
        {
            outWrite.Dispose();
        }

        using var output = new FdStream(outRead, write: false);
        Task<string> text = HelperProcess.ReadUpToAsync(output, OutputLimit);
        (ExitStatus status, bool timedOut) = await HelperProcess.WaitAsync(pid, _timeout, cancellationToken).ConfigureAwait(false);
        return (status, timedOut, await text.ConfigureAwait(false));
    }

    /// <summary>
    /// What to show of a failed run: the log's error lines (without the RLIMIT_NOFILE complaint every
    /// run without CAP_SYS_RESOURCE makes), then its last lines; criu's own output when there is no log.
    /// </summary>
    public static string LogTail(string logPath, string output, int lastLines = 8)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(logPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        var errors = lines.Where(l => (l.Contains("Error", StringComparison.Ordinal) || l.Contains("BUG", StringComparison.Ordinal))
            && !l.Contains("RLIMIT_NOFILE", StringComparison.Ordinal)).Take(12);
        var tail = lines.Skip(Math.Max(0, lines.Length - lastLines));
        return string.Join(System.Environment.NewLine, errors.Concat(tail.Except(errors)).Select(l => "  " + l.TrimEnd()));
    }

    /// <summary>criu dump (or pre-dump) of the tree under <paramref name="pid"/>.</summary>
    public static List<string> DumpArguments(CheckpointOptions options, int pid, string rootfs, string? freezeCgroup,
        IEnumerable<string> bindDestinations, IEnumerable<(string Type, ulong Inode)>? joinedNamespaces = null)
    {
        List<string> args = [options.PreDump ? "pre-dump" : "dump", "-t", pid.ToString(CultureInfo.InvariantCulture)];
        AddCommon(args, options, options.PreDump ? "pre-dump.log" : "dump.log", rootfs);
        if (freezeCgroup is not null)
        {
            args.AddRange(["--freeze-cgroup", freezeCgroup]);
        }
        if (options.LeaveRunning && !options.PreDump)
        {
            args.Add("--leave-running");
        }
        if (options.PreDump || options.ParentPath is not null)
        {
            args.Add("--track-mem");
        }
        if (options.ParentPath is { } parent)
        {
            args.AddRange(["--prev-images-dir", parent]);
        }
        // Mounts of host files: CRIU records them by name and needs their source again on restore.
        foreach (string destination in bindDestinations)
        {
            args.AddRange(["--external", $"mnt[{destination}]:{destination}"]);
        }
        // Namespaces the container joined are not its own: left out of the dump, named by inode.
        foreach ((string type, ulong inode) in joinedNamespaces ?? [])
        {
            string kind = type == "network" ? "net" : type;
            args.AddRange(["--external", $"{kind}[{inode.ToString(CultureInfo.InvariantCulture)}]:{ExternalNamespaceKeys[type]}"]);
        }
        return args;
    }

    /// <summary>
    /// criu restore: the root task becomes this process's child (--restore-sibling), criu exits once
    /// it runs (--restore-detached) and writes its pid to <paramref name="pidFile"/>; cgroups go to
    /// the new container's paths, bind mounts to their sources, and stdio pipes to the given fds.
    /// </summary>
    public static List<string> RestoreArguments(RestoreOptions options, string rootfs, string pidFile,
        IReadOnlyList<(string Controllers, string Path)> cgroups, IEnumerable<(string Destination, string Source)> bindMounts,
        IEnumerable<(int Fd, string Key)> inheritFds)
    {
        List<string> args = ["restore"];
        AddCommon(args, options, "restore.log", rootfs);
        args.AddRange(["--restore-detached", "--restore-sibling", "--pidfile", pidFile]);
        // One root for every hierarchy (cgroup2's path), and each v1 hierarchy whose path differs.
        if (cgroups.Count > 0)
        {
            string main = cgroups.FirstOrDefault(c => c.Controllers.Length == 0).Path ?? cgroups[0].Path;
            args.AddRange(["--cgroup-root", main]);
            foreach ((string controllers, string path) in cgroups.Where(c => c.Controllers.Length > 0 && c.Path != main))
            {
                args.AddRange(["--cgroup-root", $"{controllers}:{path}"]);
            }
        }
        foreach ((string destination, string source) in bindMounts)
        {
            args.AddRange(["--external", $"mnt[{destination}]:{source}"]);
        }
        foreach ((int fd, string key) in inheritFds)
        {
            args.AddRange(["--inherit-fd", $"fd[{fd.ToString(CultureInfo.InvariantCulture)}]:{key}"]);
        }
        return args;
    }

    private static void AddCommon(List<string> args, CriuOptions options, string logName, string rootfs)
    {
        args.AddRange(["-D", options.ImagePath, "-W", options.WorkPath ?? options.ImagePath, "-o", logName, "-v4", "--root", rootfs]);
        args.Add("--manage-cgroups=" + options.ManageCgroupsMode.ToString().ToLowerInvariant());
        if (options.TcpEstablished)
        {
            args.Add("--tcp-established");
        }
        if (options.ExternalUnixSockets)
        {
            args.Add("--ext-unix-sk");
        }
        if (options.ShellJob)
        {
            args.Add("--shell-job");
        }
        if (options.FileLocks)
        {
            args.Add("--file-locks");
        }
        if (options.EmptyNetworkNamespace)
        {
            args.AddRange(["--empty-ns", "net"]);
        }
    }

    /// <summary>Records what fds 0, 1 and 2 of <paramref name="pid"/> are ("pipe:[1234]", "/dev/null"), as a JSON array.</summary>
    public static void WriteDescriptors(string imagePath, int pid)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            for (int fd = 0; fd < 3; fd++)
            {
                writer.WriteStringValue(ProcessTree.ReadLink($"/proc/{pid}/fd/{fd}") ?? "");
            }
            writer.WriteEndArray();
        }
        File.WriteAllBytes(System.IO.Path.Combine(imagePath, DescriptorsFile), stream.ToArray());
    }

    /// <summary>What a checkpoint recorded of fds 0, 1 and 2; empty when it recorded nothing.</summary>
    public static IReadOnlyList<string> ReadDescriptors(string imagePath)
    {
        string path = System.IO.Path.Combine(imagePath, DescriptorsFile);
        if (!File.Exists(path))
        {
            return [];
        }
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.ValueKind == JsonValueKind.Array
            ? [.. document.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : "")]
            : [];
    }

    private static string[] Environment(IReadOnlyDictionary<string, string> extra)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        foreach ((string key, string value) in extra)
        {
            variables[key] = value;
        }
        return [.. variables.Select(v => $"{v.Key}={v.Value}")];
    }

    private static string? FindOnPath(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

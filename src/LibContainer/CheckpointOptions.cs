namespace LibContainer;

/// <summary>What CRIU does with the container's cgroups (runc's --manage-cgroups-mode).</summary>
public enum CriuCgroupMode
{
    /// <summary>Restore the cgroups' properties only where CRIU creates the cgroup (the default, as runc's).</summary>
    Soft,

    /// <summary>Restore every cgroup's properties, including those that exist.</summary>
    Full,

    /// <summary>Like full, and fail if a cgroup's property cannot be restored.</summary>
    Strict,

    /// <summary>Leave cgroups alone: neither dump nor restore them.</summary>
    Ignore,
}

/// <summary>The options checkpoint and restore share: the images, CRIU itself, and what it may handle.</summary>
public abstract record CriuOptions
{
    /// <summary>The directory of CRIU's image files (made on checkpoint if missing; read on restore).</summary>
    public required string ImagePath { get; init; }

    /// <summary>Where CRIU writes its log (dump.log, restore.log); the image directory when unset.</summary>
    public string? WorkPath { get; init; }

    /// <summary>The criu binary: a path, or a name looked up on PATH; "criu" from PATH when unset.</summary>
    public string? CriuPath { get; init; }

    /// <summary>Variables added to (or replacing those of) this process's environment for criu.</summary>
    public IReadOnlyDictionary<string, string> CriuEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Kill criu (SIGKILL: a hung criu ignores SIGTERM) if it runs longer than this; no limit when unset.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Checkpoint and restore established TCP connections (--tcp-established).</summary>
    public bool TcpEstablished { get; init; }

    /// <summary>Allow unix sockets connected to peers outside the container (--ext-unix-sk).</summary>
    public bool ExternalUnixSockets { get; init; }

    /// <summary>Allow a process tree that is a shell job: its session or terminal outside the container (--shell-job).</summary>
    public bool ShellJob { get; init; }

    /// <summary>Checkpoint and restore file locks (--file-locks).</summary>
    public bool FileLocks { get; init; }

    /// <summary>
    /// Dump and restore the container's network namespace without its contents (--empty-ns net, which
    /// runc always passes): faster (no ip/iptables runs), but the restored namespace has only a
    /// loopback device that is down, and no addresses, routes or firewall rules.
    /// </summary>
    public bool EmptyNetworkNamespace { get; init; }

    /// <summary>What CRIU does with cgroups; the container's own cgroups are made by the library on restore either way.</summary>
    public CriuCgroupMode ManageCgroupsMode { get; init; } = CriuCgroupMode.Soft;
}

/// <summary>How to checkpoint a container (runc checkpoint).</summary>
public sealed record CheckpointOptions : CriuOptions
{
    /// <summary>Keep the container running after the checkpoint; otherwise its processes end with it.</summary>
    public bool LeaveRunning { get; init; }

    /// <summary>
    /// Dump only the memory, leaving the container running, as the first round of an iterative
    /// migration; a later checkpoint names this image directory in <see cref="ParentPath"/>. Needs the
    /// kernel's memory dirty tracking (CONFIG_MEM_SOFT_DIRTY).
    /// </summary>
    public bool PreDump { get; init; }

    /// <summary>The image directory of the previous pre-dump, relative to <see cref="CriuOptions.ImagePath"/> (as CRIU wants it).</summary>
    public string? ParentPath { get; init; }
}

/// <summary>How to restore a container from a checkpoint (runc restore).</summary>
public sealed record RestoreOptions : CriuOptions
{
    /// <summary>The bundle directory: a relative root.path and relative bind sources resolve against it.</summary>
    public string? BundlePath { get; init; }

    /// <summary>
    /// The restored process's stdin when it was a pipe at checkpoint time (a pipe cannot outlive its
    /// reader): reconnected to a new pipe, /dev/null, or this process's own stdin. Stdio that was a file
    /// inside the container (its /dev/null, say) is restored as it was.
    /// </summary>
    public StdioMode Stdin { get; init; } = StdioMode.Null;

    /// <summary>The restored process's stdout when it was a pipe; see <see cref="Stdin"/>.</summary>
    public StdioMode Stdout { get; init; } = StdioMode.Inherit;

    /// <summary>The restored process's stderr when it was a pipe; see <see cref="Stdin"/>.</summary>
    public StdioMode Stderr { get; init; } = StdioMode.Inherit;

    /// <summary>Leave the restored init's exit to its next parent instead of reaping it here (as <see cref="ContainerOptions.Detached"/>).</summary>
    public bool Detached { get; init; }

    /// <summary>Whether disposing the restored container destroys it (the default), as <see cref="ContainerOptions.DestroyOnDispose"/>.</summary>
    public bool DestroyOnDispose { get; init; } = true;
}

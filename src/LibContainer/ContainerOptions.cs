namespace LibContainer;

/// <summary>How to create a container, beyond its spec.</summary>
public sealed record ContainerOptions
{
    /// <summary>The bundle directory: a relative root.path and relative bind sources resolve against it.</summary>
    public string? BundlePath { get; init; }

    /// <summary>The init process's stdin.</summary>
    public StdioMode Stdin { get; init; } = StdioMode.Null;

    /// <summary>The init process's stdout.</summary>
    public StdioMode Stdout { get; init; } = StdioMode.Inherit;

    /// <summary>The init process's stderr.</summary>
    public StdioMode Stderr { get; init; } = StdioMode.Inherit;

    /// <summary>The init process's stdin when <see cref="Stdin"/> is <see cref="StdioMode.File"/>; the caller keeps it open until create returns, and closes it.</summary>
    public System.Runtime.InteropServices.SafeHandle? StdinFile { get; init; }

    /// <summary>The init process's stdout when <see cref="Stdout"/> is <see cref="StdioMode.File"/>; the caller keeps it open until create returns, and closes it.</summary>
    public System.Runtime.InteropServices.SafeHandle? StdoutFile { get; init; }

    /// <summary>The init process's stderr when <see cref="Stderr"/> is <see cref="StdioMode.File"/>; the caller keeps it open until create returns, and closes it.</summary>
    public System.Runtime.InteropServices.SafeHandle? StderrFile { get; init; }

    /// <summary>
    /// Open files the container's process inherits, at fd 3, 4, ... in this order (runc's
    /// --preserve-fds). Nothing else of the caller's reaches the container.
    /// </summary>
    public IReadOnlyList<System.Runtime.InteropServices.SafeHandle> ExtraFiles { get; init; } = [];

    /// <summary>Set LISTEN_FDS to the number of <see cref="ExtraFiles"/> and LISTEN_PID to the process's pid (systemd socket activation).</summary>
    public bool ListenFds { get; init; }

    /// <summary>
    /// Leave the init's exit to its next parent (a subreaper such as containerd's shim) instead of
    /// reaping it here: for a short-lived host process such as a runc-style `create`.
    /// </summary>
    public bool Detached { get; init; }

    /// <summary>
    /// Whether disposing the returned <see cref="IContainer"/> destroys the container (true, the
    /// default, as disposing a Testcontainers container removes it: its processes are killed, its
    /// state and cgroups removed). False: disposing only lets go of this handle; the container lives
    /// on until <see cref="IContainer.DestroyAsync"/>, from this or any process that loads it.
    /// </summary>
    public bool DestroyOnDispose { get; init; } = true;

    /// <summary>
    /// The container's init gets SIGKILL when the process that made it exits, however it ends (a
    /// crash or SIGKILL included): PR_SET_PDEATHSIG, set after the init's credentials change and
    /// before it reports ready. With its own pid namespace (the default spec's) every process of the
    /// container dies with the init; without one, only the init does. The state directory and the
    /// cgroups stay until something destroys the container (its status reads stopped). Not with
    /// <see cref="Detached"/>, whose host is meant to exit first. A set-user-ID program exec'd by the
    /// container clears it (the kernel's rule).
    /// </summary>
    public bool KillOnHostExit { get; init; }

    /// <summary>Keep the caller's session keyring instead of a new one named after the container (runc's --no-new-keyring).</summary>
    public bool NoNewKeyring { get; init; }

    /// <summary>Move the root with MS_MOVE and chroot instead of pivot_root (runc's --no-pivot), for roots on ramfs.</summary>
    public bool NoPivotRoot { get; init; }

    /// <summary>
    /// Set by <see cref="IFactory.RunAsync"/>, whose start follows create at once: the exec fifo gets
    /// its reader as soon as it exists, so the init, at its open after READY, goes straight on to its
    /// startContainer hooks and exec instead of waiting for Start to open it.
    /// </summary>
    internal bool StartWhenReady { get; init; }
}

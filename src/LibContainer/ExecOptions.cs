namespace LibContainer;

/// <summary>How to run an extra process in a running container, beyond its process spec.</summary>
public sealed record ExecOptions
{
    /// <summary>The process's stdin.</summary>
    public StdioMode Stdin { get; init; } = StdioMode.Null;

    /// <summary>The process's stdout.</summary>
    public StdioMode Stdout { get; init; } = StdioMode.Inherit;

    /// <summary>The process's stderr.</summary>
    public StdioMode Stderr { get; init; } = StdioMode.Inherit;

    /// <summary>Open files the process inherits, at fd 3, 4, ... in this order.</summary>
    public IReadOnlyList<System.Runtime.InteropServices.SafeHandle> ExtraFiles { get; init; } = [];

    /// <summary>
    /// Leave the process's exit to its next parent: this process reads the status (WaitForExitAsync
    /// still completes) but does not reap it, so when this process exits the zombie goes to the nearest
    /// subreaper (containerd's shim), which is how `runc exec --detach` behaves.
    /// </summary>
    public bool Detached { get; init; }

    /// <summary>Set LISTEN_FDS and LISTEN_PID for <see cref="ExtraFiles"/> (systemd socket activation).</summary>
    public bool ListenFds { get; init; }
}

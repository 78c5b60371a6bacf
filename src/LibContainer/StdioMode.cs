namespace LibContainer;

/// <summary>Where a container process's stdin, stdout or stderr goes.</summary>
public enum StdioMode
{
    /// <summary>The caller's own fd 0, 1 or 2.</summary>
    Inherit,

    /// <summary>/dev/null.</summary>
    Null,

    /// <summary>A pipe whose other end is a stream on the <see cref="IProcess"/>.</summary>
    Pipe,

    /// <summary>
    /// An open file of the caller's (<see cref="ContainerOptions.StdinFile"/>, <see cref="ContainerOptions.StdoutFile"/>,
    /// <see cref="ContainerOptions.StderrFile"/>): a fifo, a file or a socket that outlives the caller, as a
    /// daemon that keeps containers across its own restarts needs (containerd's shim holds fifos for that).
    /// </summary>
    File,
}

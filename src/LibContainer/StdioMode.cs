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
}

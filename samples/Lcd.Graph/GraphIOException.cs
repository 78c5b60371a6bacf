using System.Runtime.InteropServices;

namespace Lcd.Graph;

/// <summary>A system call the graph driver made failed: which call, on which path, and errno.</summary>
public sealed class GraphIOException : GraphException
{
    internal GraphIOException(string syscall, int errno, string? path)
        : base($"{syscall}({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).")
    {
        Syscall = syscall;
        Errno = errno;
        Path = path;
    }

    /// <summary>The call that failed.</summary>
    public string Syscall { get; }

    /// <summary>The kernel's error number.</summary>
    public int Errno { get; }

    /// <summary>The path the call was made on, relative to the directory it was made in.</summary>
    public string? Path { get; }
}

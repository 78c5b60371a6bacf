using System.Runtime.InteropServices;

namespace LibContainer;

/// <summary>The kernel refused a system call: names the call, the path it was about, and errno.</summary>
/// <example><c>mount(/run/lc/web/rootfs/proc) failed: Operation not permitted (errno 1).</c></example>
public sealed class SyscallException : ContainerException
{
    /// <summary><paramref name="syscall"/> on <paramref name="path"/> failed with <paramref name="errno"/>; <paramref name="hint"/> says what may be the cause.</summary>
    public SyscallException(string syscall, int errno, string? path = null, string? hint = null)
        : base(Format(syscall, errno, path, hint))
    {
        Syscall = syscall;
        Errno = errno;
        Path = path;
    }

    /// <summary>The system call that failed, for example <c>mount</c>.</summary>
    public string Syscall { get; }

    /// <summary>The errno the kernel returned.</summary>
    public int Errno { get; }

    /// <summary>The path the call was about, when there was one.</summary>
    public string? Path { get; }

    internal static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    private static string Format(string syscall, int errno, string? path, string? hint)
    {
        string target = path is null ? syscall : $"{syscall}({path})";
        string text = $"{target} failed: {Describe(errno)}.";
        return hint is null ? text : $"{text} {hint}";
    }

    /// <summary>Throws for a negative return code, with the errno of the failed call.</summary>
    internal static void ThrowIfFailed(int rc, string syscall, string? path = null)
    {
        if (rc < 0)
        {
            throw new SyscallException(syscall, Marshal.GetLastPInvokeError(), path);
        }
    }
}

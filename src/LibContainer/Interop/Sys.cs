using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;

namespace LibContainer.Interop;

/// <summary>
/// Every system call the library makes, one checked wrapper each: Tmds.LibC where it has the call,
/// <c>[LibraryImport]</c> partials (Interop.&lt;Call&gt;.cs) where it does not. Nothing else calls libc.
/// </summary>
internal static unsafe partial class Sys
{
    internal const int EINTR = 4;

    internal static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>A NUL-terminated UTF-8 copy of a path, for the calls that take <c>const char*</c>.</summary>
    internal static byte[] CString(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    internal static (SafeFd Parent, SafeFd Child) SocketPair()
    {
        int* fds = stackalloc int[2];
        int rc = LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds);
        SyscallException.ThrowIfFailed(rc, "socketpair");
        return (new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    internal static (SafeFd Read, SafeFd Write) Pipe()
    {
        int* fds = stackalloc int[2];
        int rc = LibC.pipe2(fds, LibC.O_CLOEXEC);
        SyscallException.ThrowIfFailed(rc, "pipe2");
        return (new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    internal static void SetNonBlocking(SafeFd fd)
    {
        int flags = LibC.fcntl(fd.Fd, LibC.F_GETFL);
        SyscallException.ThrowIfFailed(flags, "fcntl(F_GETFL)");
        SyscallException.ThrowIfFailed(LibC.fcntl(fd.Fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK), "fcntl(F_SETFL)");
    }

    internal static SafeFd Open(string path, int flags, uint mode = 0)
    {
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            int fd;
            do
            {
                fd = LibC.open(ptr, flags | LibC.O_CLOEXEC, (mode_t)mode);
            }
            while (fd < 0 && Errno == EINTR);
            SyscallException.ThrowIfFailed(fd, "open", path);
            return new SafeFd(fd);
        }
    }

    /// <summary>The inode number of an open file (a namespace file's inode names the namespace).</summary>
    internal static ulong Inode(SafeFd fd)
    {
        stat st;
        SyscallException.ThrowIfFailed(LibC.fstat(fd.Fd, &st), "fstat");
        return (ulong)st.st_ino;
    }

    /// <summary>Opens a path, or returns null with the errno when the kernel refuses.</summary>
    internal static SafeFd? TryOpen(string path, int flags, out int errno)
    {
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            int fd;
            do
            {
                fd = LibC.open(ptr, flags | LibC.O_CLOEXEC, default);
                errno = fd < 0 ? Errno : 0;
            }
            while (fd < 0 && errno == EINTR);
            return fd < 0 ? null : new SafeFd(fd);
        }
    }

    internal static void MkFifo(string path, uint mode)
    {
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            SyscallException.ThrowIfFailed(LibC.mkfifo(ptr, (mode_t)mode), "mkfifo", path);
        }
    }

    /// <summary>kill(2). False when the process is gone (ESRCH), which is success for a signal to an exited process.</summary>
    internal static bool Kill(int pid, int signal)
    {
        int rc = LibC.kill(pid, signal);
        if (rc < 0)
        {
            int errno = Errno;
            if (errno == LibC.ESRCH)
            {
                return false;
            }
            throw new SyscallException("kill", errno, $"pid {pid}, signal {signal}");
        }
        return true;
    }

    /// <summary>
    /// A small file read whole with open(2) and read(2): procfs, sysfs and cgroup files, state files. File.ReadAllText
    /// costs ~10 KB of buffers (FileStream, StreamReader, StringBuilder) and two flock calls per file, which a fresh
    /// native AOT process pays in page faults; this reads into the stack and allocates the result only.
    /// </summary>
    /// <returns>The bytes, or null when the file does not exist (ENOENT, ENOTDIR).</returns>
    /// <exception cref="SyscallException">open or read failed otherwise.</exception>
    internal static byte[]? TryReadFile(string path)
    {
        SafeFd? fd = TryOpen(path, LibC.O_RDONLY, out int errno);
        if (fd is null)
        {
            return errno == LibC.ENOENT || errno == LibC.ENOTDIR ? null : throw new SyscallException("open", errno, path);
        }
        using (fd)
        {
            Span<byte> stack = stackalloc byte[4096];
            byte[]? heap = null;
            int length = 0;
            while (true)
            {
                Span<byte> buffer = heap is null ? stack : heap;
                if (length == buffer.Length)
                {
                    heap = new byte[buffer.Length * 2];
                    buffer.CopyTo(heap);
                    continue;
                }
                int n = Read(fd, buffer[length..]);
                if (n < 0)
                {
                    throw new SyscallException("read", -n, path);
                }
                if (n == 0)
                {
                    return buffer[..length].ToArray();
                }
                length += n;
            }
        }
    }

    /// <summary><see cref="TryReadFile"/> as UTF-8 text.</summary>
    internal static string? TryReadText(string path) => TryReadFile(path) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary><see cref="TryReadText"/> of a file that must exist: a missing one is ENOENT.</summary>
    internal static string ReadText(string path) => TryReadText(path) ?? throw new SyscallException("open", LibC.ENOENT, path);

    /// <summary><see cref="ReadText"/> as lines, without empty ones (as /proc files are read line by line).</summary>
    internal static string[] ReadLines(string path) => ReadText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>read(2) without blocking semantics of its own: returns -errno on failure.</summary>
    internal static int Read(SafeFd fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                long n = LibC.read(fd.Fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }
                int errno = Errno;
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>write(2): returns the count written or -errno.</summary>
    internal static int Write(SafeFd fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                long n = LibC.write(fd.Fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }
                int errno = Errno;
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    // Not Tmds.LibC's poll: its errno is not kept (SetLastError), and a poll interrupted by a signal
    // (the runtime suspends threads for the GC with one) must be told apart from a failure.
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollCall(pollfd* fds, nuint count, int timeoutMs);

    /// <summary>As <see cref="Poll(SafeFd, bool, int)"/>, for a limit given as a time span (rounded up to whole milliseconds).</summary>
    internal static int Poll(SafeFd fd, bool write, TimeSpan timeout) =>
        Poll(fd, write, (int)Math.Min(Math.Ceiling(timeout.TotalMilliseconds), int.MaxValue));

    /// <summary>
    /// Blocks until the fd is readable (or writable, or has hung up) or <paramref name="timeoutMs"/>
    /// passed (-1: no limit): 1, 0 on timeout, -errno on failure. A signal does not restart the clock.
    /// </summary>
    internal static int Poll(SafeFd fd, bool write, int timeoutMs)
    {
        pollfd pfd = new() { fd = fd.Fd, events = write ? LibC.POLLOUT : LibC.POLLIN };
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        while (true)
        {
            int left = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            int rc = PollCall(&pfd, 1, left);
            if (rc >= 0)
            {
                return rc;
            }
            int errno = Errno;
            if (errno != EINTR)
            {
                return -errno;
            }
        }
    }

    /// <summary>mkdir(2): 0, or the errno.</summary>
    internal static int Mkdir(string path, uint mode)
    {
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            return LibC.mkdir(ptr, (mode_t)mode) == 0 ? 0 : Errno;
        }
    }

    /// <summary>rmdir(2): 0, or the errno (a cgroup directory answers EBUSY while it has processes).</summary>
    internal static int Rmdir(string path)
    {
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            return LibC.rmdir(ptr) == 0 ? 0 : Errno;
        }
    }

    /// <summary>ioctl(TIOCSWINSZ): a terminal's rows and columns.</summary>
    internal static void SetWindowSize(SafeFd terminal, ushort rows, ushort columns)
    {
        ushort* size = stackalloc ushort[4];
        size[0] = rows;
        size[1] = columns;
        size[2] = 0;
        size[3] = 0;
        SyscallException.ThrowIfFailed(LibC.ioctl(terminal.Fd, LibC.TIOCSWINSZ, size), "ioctl(TIOCSWINSZ)");
    }

    /// <summary>
    /// ioctl(NS_GET_NSTYPE): the CLONE_NEW* flag of the namespace a file refers to, or null when it is
    /// not a namespace file (or cannot be opened).
    /// </summary>
    internal static long? NamespaceType(string path)
    {
        const int NS_GET_NSTYPE = 0xb703;
        using SafeFd? fd = TryOpen(path, LibC.O_RDONLY, out _);
        if (fd is null)
        {
            return null;
        }
        int type = LibC.ioctl(fd.Fd, NS_GET_NSTYPE, 0);
        return type < 0 ? null : type;
    }
}

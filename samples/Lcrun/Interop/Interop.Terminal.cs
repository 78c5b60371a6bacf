using System.Runtime.InteropServices;

namespace Lcrun.Interop;

/// <summary>The terminal calls of the CLI: is fd a tty, raw mode and its undo, window size, pty number, blocking mode.</summary>
internal static unsafe partial class Terminal
{
    private const int TCSANOW = 0;
    private const ulong TIOCGWINSZ = 0x5413;
    private const ulong TIOCGPTN = 0x80045430;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int O_NONBLOCK = 0x800;
    private const int TermiosSize = 64; // glibc's struct termios is 60 bytes; kept opaque

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int isatty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int tcsetattr(int fd, int action, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void cfmakeraw(byte* termios);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, void* argument);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    /// <summary>Puts <paramref name="fd"/> in raw mode; the returned state restores it.</summary>
    public static byte[]? MakeRaw(int fd)
    {
        byte[] saved = new byte[TermiosSize];
        byte[] raw = new byte[TermiosSize];
        fixed (byte* s = saved)
        fixed (byte* r = raw)
        {
            if (tcgetattr(fd, s) != 0)
            {
                return null;
            }
            Buffer.MemoryCopy(s, r, TermiosSize, TermiosSize);
            cfmakeraw(r);
            return tcsetattr(fd, TCSANOW, r) == 0 ? saved : null;
        }
    }

    public static void Restore(int fd, byte[] state)
    {
        fixed (byte* s = state)
        {
            _ = tcsetattr(fd, TCSANOW, s);
        }
    }

    /// <summary>The window size of the terminal at <paramref name="fd"/>, or null when it is not one.</summary>
    public static (ushort Rows, ushort Columns)? WindowSize(int fd)
    {
        ushort* size = stackalloc ushort[4];
        return ioctl(fd, TIOCGWINSZ, size) == 0 ? (size[0], size[1]) : null;
    }

    /// <summary>The slave's path of a pty master ("/dev/pts/N", inside the container's devpts), or "" when unknown.</summary>
    public static string SlaveName(SafeHandle master)
    {
        uint number;
        return ioctl((int)master.DangerousGetHandle(), TIOCGPTN, &number) == 0 ? $"/dev/pts/{number}" : "";
    }

    /// <summary>Clears O_NONBLOCK, so whoever receives the fd gets a plain blocking descriptor.</summary>
    public static void SetBlocking(SafeHandle fd)
    {
        int handle = (int)fd.DangerousGetHandle();
        int flags = fcntl(handle, F_GETFL, 0);
        if (flags >= 0 && (flags & O_NONBLOCK) != 0)
        {
            _ = fcntl(handle, F_SETFL, flags & ~O_NONBLOCK);
        }
    }
}

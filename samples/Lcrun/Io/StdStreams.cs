using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Lcrun.Io;

/// <summary>
/// What lcrun prints, written straight to fds 1 and 2, unbuffered. Not System.Console: its first
/// write sets the terminal up (handlers for SIGCONT, SIGCHLD and SIGWINCH, and a thread to run
/// them), which costs a command that prints one line ~0.5-1 ms on a VM and is not needed here.
/// </summary>
internal static class StdStreams
{
    public static void Out(string text) => Write(1, text);

    public static void Error(string text) => Write(2, text);

    public static void Error(ReadOnlySpan<byte> utf8) => Write(2, utf8);

    private static void Write(int fd, string text) => Write(fd, Encoding.UTF8.GetBytes(text));

    private static void Write(int fd, ReadOnlySpan<byte> utf8)
    {
        using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        stream.Write(utf8);
    }
}

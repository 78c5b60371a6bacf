using System.Text;
using Lcrun.Interop;

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

    // write(2), not a FileStream: a FileStream on a regular file writes with pwrite at its own
    // position, which starts where the fd's offset is and never moves it, so a second line
    // written to a file (lcrun events > file) would land on top of the first.
    private static void Write(int fd, ReadOnlySpan<byte> utf8) => WriteCalls.WriteAll(fd, utf8);
}

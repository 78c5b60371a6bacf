using System.Runtime.InteropServices;

namespace Lcrun.Interop;

/// <summary>write(2) on an fd lcrun does not own (its stdout and stderr).</summary>
internal static partial class WriteCalls
{
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const short POLLOUT = 4;

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> at the fd's own offset (a file opened with O_APPEND, or
    /// a shell's redirection, keeps growing), through short writes, EINTR, and EAGAIN on an fd a
    /// parent left non-blocking. Throws <see cref="IOException"/> with the errno otherwise.
    /// </summary>
    public static unsafe void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = Write(fd, start + done, data.Length - done);
                if (n >= 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EAGAIN)
                {
                    var pfd = new PollFd { Fd = fd, Events = POLLOUT };
                    _ = Poll(&pfd, 1, -1);
                }
                else if (errno != EINTR)
                {
                    throw new IOException($"write to fd {fd}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
                }
            }
        }
    }
}

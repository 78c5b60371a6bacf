using System.Runtime.InteropServices;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendfile(int outFd, int inFd, long* offset, nuint count);

    /// <summary>
    /// Copies all of <paramref name="source"/> (from its start) to <paramref name="destination"/> in
    /// the kernel (sendfile(2)): no user-space buffer, so a fresh process touches no pages for it.
    /// </summary>
    internal static void SendFile(SafeFd destination, SafeFd source, string what)
    {
        long offset = 0;
        while (true)
        {
            nint n = sendfile(destination.Fd, source.Fd, &offset, 1 << 30);
            if (n > 0)
            {
                continue;
            }
            if (n == 0)
            {
                return;
            }
            if (Errno != EINTR)
            {
                throw new SyscallException("sendfile", Errno, what);
            }
        }
    }
}

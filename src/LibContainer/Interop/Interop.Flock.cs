using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static partial class Sys
{
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;
    private const int LOCK_UN = 8;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    /// <summary>flock(LOCK_EX|LOCK_NB): true when taken, false when another holder has it.</summary>
    internal static bool TryLockExclusive(SafeFd fd)
    {
        while (true)
        {
            if (flock(fd.Fd, LOCK_EX | LOCK_NB) == 0)
            {
                return true;
            }
            int errno = Errno;
            if (errno == LibC.EWOULDBLOCK)
            {
                return false;
            }
            if (errno != EINTR)
            {
                throw new SyscallException("flock", errno);
            }
        }
    }

    internal static void Unlock(SafeFd fd) => _ = flock(fd.Fd, LOCK_UN);
}

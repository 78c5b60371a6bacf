using Microsoft.Win32.SafeHandles;

namespace Lcrun.Io;

/// <summary>
/// Works around a library bug: LibContainer executes its sealed memfd copy of lc-init as
/// /proc/self/fd/N while the spawned child's fds 3+extra and 4+extra become the init socket and
/// the exec fifo. In a small process like this CLI the memfd gets N = 4 (or 3+extra...), the dup2 replaces
/// it, and the child's execve fails with EACCES. Holding the low fd numbers (close-on-exec /dev/null)
/// before the library makes its copy puts the memfd out of the way.
/// </summary>
internal static class FdReserve
{
    private static readonly List<SafeFileHandle> s_held = [];

    /// <summary>Makes every fd number below <paramref name="lowestFree"/> taken, so new fds get higher numbers.</summary>
    public static void Ensure(int lowestFree)
    {
        lock (s_held)
        {
            while (true)
            {
                SafeFileHandle handle = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
                s_held.Add(handle);
                if ((int)handle.DangerousGetHandle() >= lowestFree - 1)
                {
                    return;
                }
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace LibContainer.Benchmarks;

/// <summary>
/// getrusage(2): CPU time (user + system) of this process (every thread) and of the children it has
/// waited for (lc-init and the containers' processes, which the library reaps).
/// </summary>
internal static unsafe partial class CpuTime
{
    private const int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1;

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, long* usage);

    /// <summary>Microseconds of CPU used so far by this process and its reaped children.</summary>
    public static long Microseconds() => Of(RUSAGE_SELF) + Of(RUSAGE_CHILDREN);

    private static long Of(int who)
    {
        long* usage = stackalloc long[18]; // struct rusage: ru_utime, ru_stime (timeval each), 14 longs
        _ = GetRusage(who, usage);
        return (usage[0] * 1_000_000) + usage[1] + (usage[2] * 1_000_000) + usage[3];
    }
}

using System.Runtime.InteropServices;

namespace LibContainer.Testing;

/// <summary>
/// The test process as a child subreaper (PR_SET_CHILD_SUBREAPER), as containerd's shim and a daemon
/// are: orphans of a host the crash tests kill come to it, and it reaps those that end.
/// </summary>
internal static class ChildSubreaper
{
    private const int PrSetChildSubreaper = 36;
    private const int WNoHang = 1;

    public static void Set(bool on)
    {
        if (prctl(PrSetChildSubreaper, on ? 1UL : 0UL, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException($"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Reaps <paramref name="pid"/> if it is an ended child of ours (never one System.Diagnostics.Process started: it reaps its own).</summary>
    public static void Reap(int pid) => _ = waitpid(pid, out _, WNoHang);

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);
}

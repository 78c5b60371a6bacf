using System.Globalization;
using System.Runtime.InteropServices;
using LibContainer.Interop;

namespace LibContainer.Cgroups;

/// <summary>
/// Starts, beside the caller, the RCU grace period that the container's first cgroup.procs write
/// would otherwise wait for on its critical path.
/// </summary>
/// <remarks>
/// Moving a process into a cgroup (v1 or v2) takes the kernel's global cgroup_threadgroup_rwsem for
/// writing. The first writer after a quiet spell switches the lock's readers (every fork and exit)
/// to their slow path and waits one RCU grace period for the switch (rcu_sync_enter, under
/// percpu_down_write); the switch is kept until one grace period after the last writer. On a 2-vCPU
/// VM that wait is 10-15 ms, all of it off-CPU, and it lay between the init's clone and its GO: crun
/// pays it at the same place. A write of this process's own pid into its own cgroup (a move that
/// moves nothing) on a short-lived native thread at the start of a create begins that grace period while
/// the library writes its state and lc-init starts; the real write then finds the switch made, or
/// waits only for the rest of it. Only one warm-up runs at a time, and its failure is ignored: it is
/// a hint to the kernel, never a step of the container. A host that mounts cgroup2 with
/// favordynmods keeps the switch made for good and never waits.
/// </remarks>
internal static unsafe class ThreadgroupLockWarmup
{
    private static int s_running;
    private static string? s_directory;
    private static string? s_pid;

    public static void Start(CgroupLayout layout)
    {
        // Any hierarchy does: the lock is one for all. A v1 one first (a no-op move there has no
        // no-internal-process rule to fail on).
        CgroupHierarchyMount? hierarchy = layout.V1.Count > 0 ? layout.V1[0] : layout.Unified;
        if (hierarchy is null || Interlocked.Exchange(ref s_running, 1) == 1)
        {
            return;
        }
        s_directory = hierarchy.Directory(hierarchy.OwnPath);
        s_pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            // A native thread: Thread.Start would make this caller wait until the new thread runs.
            Sys.StartNativeThread(&Run, 0);
        }
        catch (SyscallException)
        {
            Volatile.Write(ref s_running, 0);
        }
    }

    [UnmanagedCallersOnly]
    private static nint Run(nint arg)
    {
        try
        {
            CgroupFiles.Write(s_directory!, "cgroup.procs", s_pid!);
        }
#pragma warning disable CA1031 // nothing may leave an UnmanagedCallersOnly method; this write is a hint only
        catch (Exception)
#pragma warning restore CA1031
        {
            // The container's own write follows and reports its own errors.
        }
        finally
        {
            Volatile.Write(ref s_running, 0);
        }
        return 0;
    }
}

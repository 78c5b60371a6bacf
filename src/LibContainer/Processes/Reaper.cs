using System.Collections.Concurrent;
using LibContainer.Interop;

namespace LibContainer.Processes;

/// <summary>
/// The one place in the process that reaps container processes. Each watched pid gets a pidfd; when
/// it signals exit the reaper calls waitid(P_PIDFD) once and every caller, from any factory instance,
/// shares that one result. A child is never left a zombie and its status is never read twice.
/// </summary>
/// <remarks>
/// The library's process is the parent of every container process (the native init clones it with
/// CLONE_PARENT), so the status is ours to read. System.Diagnostics.Process reaps only the pids it
/// started, so it does not take these. A host that sets SIGCHLD to SIG_IGN lets the kernel discard
/// the status: the exit is still seen, as <see cref="ExitStatus.Unknown"/>.
/// </remarks>
internal sealed class Reaper
{
    private readonly ConcurrentDictionary<(int Pid, ulong StartTime), Lazy<Task<ExitStatus>>> _watched = new();

    public static Reaper Shared { get; } = new();

    /// <summary>
    /// The exit of the process <paramref name="pid"/> that started at <paramref name="startTime"/>
    /// (/proc/pid/stat field 22, which tells a reused pid apart). A process that is not our child
    /// completes with <see cref="ExitStatus.Unknown"/> when it exits; one already gone, at once.
    /// The result stays for every later caller until <see cref="Forget"/>.
    /// </summary>
    public Task<ExitStatus> WatchAsync(int pid, ulong startTime, SafeFd? pidfd = null, bool leaveZombie = false)
    {
        var created = new Lazy<Task<ExitStatus>>(() => ReapAsync(pid, pidfd, leaveZombie));
        Lazy<Task<ExitStatus>> entry = _watched.GetOrAdd((pid, startTime), created);
        if (!ReferenceEquals(entry, created))
        {
            pidfd?.Dispose();
        }
        return entry.Value;
    }

    /// <summary>Drops the remembered result of a process that is gone for good (its container destroyed).</summary>
    public void Forget(int pid, ulong startTime) => _watched.TryRemove((pid, startTime), out _);

    /// <remarks>
    /// With <paramref name="leaveZombie"/> the status is read with WNOWAIT: the process stays a zombie
    /// for whoever becomes its parent when this process exits (a subreaper such as containerd's shim).
    /// </remarks>
    private static async Task<ExitStatus> ReapAsync(int pid, SafeFd? pidfd, bool leaveZombie)
    {
        await Task.Yield(); // never run the wait inline in the caller's GetOrAdd
        pidfd ??= Sys.PidfdOpen(pid);
        if (pidfd is null)
        {
            return ExitStatus.Unknown;
        }
        using (pidfd)
        {
            if (!IsOurChild(pid))
            {
                // Loaded from another process: the pidfd still says when it exits, but its
                // status belongs to its parent.
                await FdPoller.Shared.WaitAsync(pidfd, write: false, CancellationToken.None).ConfigureAwait(false);
                return ExitStatus.Unknown;
            }
            while (true)
            {
                if (Sys.WaitIdNoHang(pidfd, leaveZombie) is ExitStatus status)
                {
                    return status;
                }
                await FdPoller.Shared.WaitAsync(pidfd, write: false, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static bool IsOurChild(int pid) => ProcStat.TryRead(pid) is { } stat && stat.ParentPid == Environment.ProcessId;
}

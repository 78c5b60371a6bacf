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
    private readonly ConcurrentDictionary<(int Pid, ulong StartTime), Lazy<Watch>> _watched = new();

    public static Reaper Shared { get; } = new();

    /// <summary>
    /// The exit of the process <paramref name="pid"/> that started at <paramref name="startTime"/>
    /// (/proc/pid/stat field 22, which tells a reused pid apart). A process that is not our child
    /// completes with <see cref="ExitStatus.Unknown"/> when it exits; one already gone, at once.
    /// Callers share one watch while the process lives; once its exit is read the entry is dropped
    /// (each caller keeps its task), so nothing stays behind per process: a host that execs a health
    /// check every few seconds does not grow.
    /// </summary>
    public Task<ExitStatus> WatchAsync(int pid, ulong startTime, SafeFd? pidfd = null, bool leaveZombie = false)
    {
        Lazy<Watch> entry = Entry(pid, startTime, pidfd, leaveZombie);
        return entry.Value.Exit;
    }

    /// <summary>The shared entry of a process, made (not started) if there is none.</summary>
    private Lazy<Watch> Entry(int pid, ulong startTime, SafeFd? pidfd, bool leaveZombie)
    {
        var key = (pid, startTime);
        Lazy<Watch>? created = null;
        created = new Lazy<Watch>(() =>
        {
            Watch watch = Watch.Start(pid, pidfd, leaveZombie);
            // Only this entry, not one a reused pid may have added since.
            _ = watch.Exit.ContinueWith(_ => _watched.TryRemove(KeyValuePair.Create(key, created!)), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return watch;
        });
        Lazy<Watch> entry = _watched.GetOrAdd(key, created);
        if (!ReferenceEquals(entry, created))
        {
            pidfd?.Dispose();
        }
        return entry;
    }

    /// <summary>
    /// Reaps a zombie child of this process now, also one a detached watch leaves for the next parent
    /// or that nobody watches: destroy needs it gone, since the init of a pid namespace cannot finish
    /// exiting while a process of its namespace is an unreaped zombie of ours. A watch of it completes.
    /// </summary>
    public void Reap(int pid, ulong startTime)
    {
        // An entry not started yet (watched when asked) is started here, so its status is kept for its asker.
        if (_watched.TryGetValue((pid, startTime), out Lazy<Watch>? entry) && entry.Value.Reap())
        {
            return;
        }
        using SafeFd? pidfd = Sys.PidfdOpen(pid);
        if (pidfd is not null)
        {
            _ = Sys.WaitIdNoHang(pidfd);
        }
    }

    /// <summary>How many processes are watched now (the soak benchmark samples it: it must stay flat).</summary>
    internal int Count => _watched.Count;

    /// <summary>
    /// The exit of a process this one has just made (an init, an exec). Detached (a short-lived host
    /// that leaves the exit to the next parent, a subreaper): watched only when something asks, so a
    /// call that exits right after starts no poller thread. <paramref name="whenAsked"/> (a host
    /// with a synchronous wait limit, whose caller blocks for the exit anyway): also watched only
    /// when asked, and reaped. Safe to start late: the process stays our child, a zombie once it
    /// ends, until it is reaped, so its pid names it.
    /// </summary>
    public Lazy<Task<ExitStatus>> WatchChild(int pid, ulong startTime, bool detached, bool whenAsked = false) =>
        detached ? new Lazy<Task<ExitStatus>>(() => WatchAsync(pid, startTime, leaveZombie: true))
        : whenAsked ? WhenAsked(Entry(pid, startTime, pidfd: null, leaveZombie: false))
        : new Lazy<Task<ExitStatus>>(WatchAsync(pid, startTime, Sys.PidfdOpen(pid)));

    // The entry is shared from now on (a second factory's load finds it and reads the same status);
    // only its start waits for the first ask.
    private static Lazy<Task<ExitStatus>> WhenAsked(Lazy<Watch> entry) => new(() => entry.Value.Exit);

    /// <summary>
    /// Blocks the calling thread up to <paramref name="limit"/> for the exit of a watched process and,
    /// if it comes, reaps it here: its exit task completes on this thread, not on a thread-pool
    /// thread after the poller's wake-up (see <see cref="ContainerFactoryOptions.SynchronousWaitLimit"/>).
    /// </summary>
    public void WaitBlocking(int pid, ulong startTime, TimeSpan limit)
    {
        if (_watched.TryGetValue((pid, startTime), out Lazy<Watch>? entry) && entry.IsValueCreated)
        {
            entry.Value.WaitBlocking(limit);
        }
    }

    /// <summary>
    /// One watched process: its pidfd, and its exit, read once by whichever comes first, the watch's
    /// own loop on the poller or a caller blocking in <see cref="WaitBlocking"/>.
    /// </summary>
    /// <remarks>
    /// With leaveZombie the status is read with WNOWAIT: the process stays a zombie for whoever
    /// becomes its parent when this process exits (a subreaper such as containerd's shim).
    /// </remarks>
    private sealed class Watch
    {
        private readonly TaskCompletionSource<ExitStatus> _exit = new();
        private readonly Lock _gate = new();
        private readonly SafeFd? _pidfd;
        private readonly bool _ours;
        private readonly bool _leaveZombie;
        private bool _read;

        private Watch(SafeFd? pidfd, bool ours, bool leaveZombie)
        {
            _pidfd = pidfd;
            _ours = ours;
            _leaveZombie = leaveZombie;
        }

        public Task<ExitStatus> Exit => _exit.Task;

        /// <summary>
        /// Runs inline in the first caller up to the wait: nothing before it blocks, and a process
        /// already gone is reaped without the poller or a thread-pool hop.
        /// </summary>
        public static Watch Start(int pid, SafeFd? pidfd, bool leaveZombie)
        {
            pidfd ??= Sys.PidfdOpen(pid);
            // Loaded from another process: the pidfd still says when it exits, but its status
            // belongs to its parent.
            var watch = new Watch(pidfd, ours: pidfd is not null && IsOurChild(pid), leaveZombie);
            if (pidfd is null)
            {
                watch._exit.SetResult(ExitStatus.Unknown); // gone before it could be watched
            }
            else
            {
                _ = watch.RunAsync(pidfd);
            }
            return watch;
        }

        private async Task RunAsync(SafeFd pidfd)
        {
            try
            {
                while (!TryRead())
                {
                    await FdPoller.Shared.WaitAsync(pidfd, write: false, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                _exit.TrySetException(ex);
            }
            finally
            {
                pidfd.Dispose();
            }
        }

        public void WaitBlocking(TimeSpan limit)
        {
            if (_exit.Task.IsCompleted || _pidfd is null)
            {
                return;
            }
            bool added = false;
            try
            {
                _pidfd.DangerousAddRef(ref added); // the watch's loop disposes it once the exit is read
                if (Sys.Poll(_pidfd, write: false, limit) > 0)
                {
                    TryRead();
                }
            }
            catch (ObjectDisposedException)
            {
                // Read and closed meanwhile by the watch's loop.
            }
            catch (Exception ex)
            {
                _exit.TrySetException(ex);
            }
            finally
            {
                if (added)
                {
                    _pidfd.DangerousRelease();
                }
            }
        }

        /// <summary>Reaps the process now if it is a zombie, whatever the watch was told; false when the watch cannot (read already, or gone).</summary>
        public bool Reap()
        {
            bool added = false;
            try
            {
                _pidfd?.DangerousAddRef(ref added);
                return added && _ours && TryRead(reap: true);
            }
            catch (ObjectDisposedException)
            {
                return false; // read and closed meanwhile by the watch's loop
            }
            finally
            {
                if (added)
                {
                    _pidfd!.DangerousRelease();
                }
            }
        }

        /// <summary>Reads the exit if the process has ended (once, whoever asks); true when it is known.</summary>
        private bool TryRead(bool reap = false)
        {
            ExitStatus status;
            lock (_gate)
            {
                if (_read)
                {
                    return !reap || !_leaveZombie;
                }
                ExitStatus? now = _ours
                    ? Sys.WaitIdNoHang(_pidfd!, _leaveZombie && !reap)
                    : Sys.Poll(_pidfd!, write: false, timeoutMs: 0) > 0 ? ExitStatus.Unknown : null; // readable: a zombie or gone
                if (now is null)
                {
                    return false;
                }
                _read = true;
                status = now.Value;
            }
            _exit.TrySetResult(status); // continuations run here, outside the lock
            return true;
        }

        private static bool IsOurChild(int pid) => ProcStat.TryRead(pid) is { } stat && stat.ParentPid == Environment.ProcessId;
    }
}

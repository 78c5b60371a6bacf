using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.Processes;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>How long destroy waits for the init to exit after SIGKILL before it gives up, saying what it waited for.</summary>
    internal static TimeSpan DestroyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// destroy: SIGKILL every process (those in its cgroups, the init: in its own pid namespace the
    /// kernel then kills the rest), wait (bounded) until the init is gone, reaping on the way any
    /// zombie of its pid namespace that is ours, then remove the cgroup directories and the state
    /// directory. Mounts and namespaces die with the processes. Idempotent.
    /// </summary>
    private async Task DestroyCoreAsync(CancellationToken cancellationToken)
    {
        using IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            DestroyOnDispose = false; // a later container under this id is not this handle's
            return; // already destroyed
        }
        // Its pid namespace, named before the kill: the init's link goes with it.
        string? pidNamespace = _summary.OwnPidNamespace && Init.IsAlive ? ProcessTree.ReadLink($"/proc/{Init.Pid}/ns/pid") : null;
        if (_cgroups is { OwnsLeaf: true })
        {
            // Every process in the container's cgroups, also those outside its pid namespace.
            await _cgroups.KillAllAsync(cancellationToken).ConfigureAwait(false);
        }
        if (Init.Pid > 0 && Init.IsAlive)
        {
            IReadOnlyList<int> others = _summary.OwnPidNamespace ? [] : ProcessTree.Descendants(Init.Pid);
            Sys.Kill(Init.Pid, (int)Signal.Kill);
            foreach (int pid in others)
            {
                Sys.Kill(pid, (int)Signal.Kill);
            }
        }
        CrashPoint.Hit("destroy.killed");
        if (Init.Pid > 0)
        {
            await WaitForInitAsync(pidNamespace, cancellationToken).ConfigureAwait(false);
        }
        CrashPoint.Hit("destroy.exited");
        if (_cgroups is not null)
        {
            await _cgroups.RemoveDirectoriesAsync(cancellationToken).ConfigureAwait(false);
        }
        List<Spec.Hook>? poststop = _summary.Hooks?.Poststop;
        if (poststop is { Count: > 0 })
        {
            _ = Config; // the hooks' state names its annotations: read config.json while it is there
        }
        _dir.Delete();
        DestroyOnDispose = false;
        Init.Dispose();
        _logger.ContainerDestroyed(Id);
        // After the container is deleted, before delete returns (its failures are logged).
        await RunHooksLoggingFailuresAsync(poststop, "hooks.poststop", "stopped", CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the init's exit, at most <see cref="DestroyTimeout"/>. The init of a pid namespace
    /// cannot finish exiting while a process of its namespace is an unreaped zombie whose parent is
    /// this process (an exec, whose exit a detached watch leaves for the next parent, and this
    /// process is that parent when it is a subreaper): those are reaped here.
    /// </summary>
    private async Task WaitForInitAsync(string? pidNamespace, CancellationToken cancellationToken)
    {
        Task<ExitStatus> exited = Init.Exited;
        long deadline = Environment.TickCount64 + (long)DestroyTimeout.TotalMilliseconds;
        for (int delayMs = 1; !exited.IsCompleted; delayMs = Math.Min(delayMs * 2, 50))
        {
            if (pidNamespace is not null)
            {
                foreach (ProcStat zombie in ProcessTree.ZombieChildrenIn(pidNamespace))
                {
                    Reaper.Shared.Reap(zombie.Pid, zombie.StartTime);
                }
            }
            if (Environment.TickCount64 > deadline)
            {
                throw new ContainerException(DescribeStuckInit(pidNamespace));
            }
            await Task.WhenAny(exited, Task.Delay(delayMs, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>What destroy waited for when it gave up: the init's state, zombies of its namespace that others hold, what is still in its cgroups.</summary>
    private string DescribeStuckInit(string? pidNamespace)
    {
        ProcStat? stat = ProcStat.TryRead(Init.Pid);
        string state = stat switch
        {
            null => "gone, but its exit was never seen",
            { State: 'Z' } z => $"a zombie that its parent (pid {z.ParentPid}) has not reaped",
            { State: 'D' } => "in uninterruptible sleep (D): the kernel holds it, for example in a hung mount or device",
            { } s => $"in state {s.State} (parent pid {s.ParentPid})",
        };
        IEnumerable<string> zombies = pidNamespace is null ? [] : ProcessTree.Find(Init.Pid, ownPidNamespace: true)
            .Where(pid => pid != Init.Pid)
            .Select(ProcStat.TryRead)
            .OfType<ProcStat>()
            .Where(z => z.HasExited)
            .Select(z => $"{z.Pid} (parent {z.ParentPid})");
        string held = string.Join(", ", zombies);
        IReadOnlyList<int> left = _cgroups?.GetPids() ?? [];
        return $"Container '{Id}' was not destroyed: its init (pid {Init.Pid}) has not exited {DestroyTimeout.TotalSeconds:0.#} s after SIGKILL; it is {state}." +
            (held.Length > 0 ? $" The init of a pid namespace exits only when every process of it is reaped; zombies whose parents have not reaped them: {held}." : "") +
            (left.Count > 0 ? $" Still in its cgroups: {string.Join(' ', left)}." : "") +
            " Its state directory and cgroups are kept; destroy can be retried.";
    }
}

using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.Processes;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>
    /// destroy: SIGKILL every process (the init first: in its own pid namespace the kernel then kills
    /// the rest), wait until they are gone, then remove the state directory. Mounts and namespaces die
    /// with the processes. Idempotent.
    /// </summary>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        using IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            return; // already destroyed
        }
        if (_cgroups is not null)
        {
            // Every process in the container's cgroups, also those outside its pid namespace.
            await _cgroups.DestroyAsync(cancellationToken).ConfigureAwait(false);
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
        if (Init.Pid > 0)
        {
            await Init.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        List<Spec.Hook>? poststop = _summary.Hooks?.Poststop;
        if (poststop is { Count: > 0 })
        {
            _ = Config; // the hooks' state names its annotations: read config.json while it is there
        }
        _dir.Delete();
        Init.Dispose();
        _logger.ContainerDestroyed(Id);
        // After the container is deleted, before delete returns (its failures are logged).
        await RunHooksLoggingFailuresAsync(poststop, "hooks.poststop", "stopped", CancellationToken.None).ConfigureAwait(false);
    }
}

using LibContainer.Cgroups;
using LibContainer.Logging;
using LibContainer.Spec;
using LibContainer.State;

namespace LibContainer;

internal sealed partial class Container
{
    private CgroupManager Cgroups => _cgroups ?? throw new InvalidOperationException($"Container '{Id}' has no cgroups on this host.");

    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        using IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false);
        ContainerStatus status = held is null ? ContainerStatus.Stopped : Status;
        if (status is not (ContainerStatus.Running or ContainerStatus.Created))
        {
            throw new InvalidOperationException($"Container '{Id}' is {status}; Pause needs Running or Created.");
        }
        Freezer freezer = Cgroups.Freezer ?? throw new InvalidOperationException($"Container '{Id}': this host has no cgroup freezer.");
        await freezer.FreezeAsync(cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit("pause.frozen");
        _logger.ContainerPaused(Id);
    }

    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        using IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false);
        ContainerStatus status = held is null ? ContainerStatus.Stopped : Status;
        if (status != ContainerStatus.Paused)
        {
            throw new InvalidOperationException($"Container '{Id}' is {status}; Resume needs Paused.");
        }
        await Cgroups.Freezer!.ThawAsync(cancellationToken).ConfigureAwait(false);
        _logger.ContainerResumed(Id);
    }

    public Task<ContainerStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ContainerStats stats = Cgroups.GetStats();
        if (Init.IsAlive)
        {
            try
            {
                // /proc/<pid>/net/dev shows the interfaces of that process's network namespace.
                stats.Networks = NetworkInterfaceStats.ParseProcNetDev(File.ReadAllText($"/proc/{Init.Pid}/net/dev"));
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }
        return Task.FromResult(stats);
    }

    public async Task UpdateAsync(LinuxResources resources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resources);
        using IDisposable? held = await _dir.LockAsync(cancellationToken).ConfigureAwait(false);
        ContainerStatus status = held is null ? ContainerStatus.Stopped : Status;
        if (status == ContainerStatus.Stopped)
        {
            throw new InvalidOperationException($"Container '{Id}' is Stopped; Update needs a live container.");
        }
        Cgroups.Update(resources, CgroupHost.Info);

        // Keep the recorded config true: the new values replace the old ones field by field.
        RuntimeSpec config = _dir.ReadConfig();
        config.Linux ??= new Linux();
        config.Linux.Resources = ResourceMerge.Merge(config.Linux.Resources, resources);
        _dir.WriteConfig(config);
        Config = config;
        _logger.ContainerUpdated(Id);
    }

    public IAsyncEnumerable<ContainerEvent> WatchEventsAsync(CancellationToken cancellationToken = default) =>
        CgroupEvents.WatchAsync(Cgroups, CgroupHost.Layout, cancellationToken);
}

using Lcd.Api;
using LibContainer;
using LibContainer.Spec;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>
    /// docker update, as dockerd's ContainerUpdate: the body is checked as create checks HostConfig
    /// (400), merged into the stored HostConfig field by field under dockerd's conflict rules (409),
    /// applied to a running (or paused) container's cgroups through the library (which rolls back
    /// what it wrote when the kernel refuses one), and only then stored. A created or stopped
    /// container gets the new values at its next start. A refused update changes nothing. As dockerd,
    /// the body is checked before the container is looked up.
    /// </summary>
    public async Task<List<string>> UpdateAsync(string reference, ContainerUpdateRequest update, CancellationToken cancellationToken)
    {
        ValidateUpdate(update);
        var warnings = new List<string>();
        HostLimits.DropUnsupportedSwap(update, HostLimits.SwapLimit, warnings);
        ContainerEntry entry = Get(reference);
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string id = entry.Record.Id;
            HostConfig merged = MergeUpdate(id, entry.Record.HostConfig, update);
            if (entry.IsRunning && entry.Runtime is { } container)
            {
                var resources = new LinuxResources();
                AddResources(resources, merged);
                try
                {
                    await container.UpdateAsync(resources, cancellationToken).ConfigureAwait(false);
                }
                catch (SpecValidationException ex)
                {
                    throw ApiException.BadRequest($"Cannot update container {id}: {ex.Message}");
                }
                catch (ContainerException ex)
                {
                    throw new ApiException(StatusCodes.Status500InternalServerError, $"Cannot update container {id}: {ex.Message}");
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile: as for a stopped container, the values apply at the next start.
                }
            }
            entry.Record.HostConfig = merged;
            await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
            Log.ContainerUpdated(_logger, id);
            Publish(entry, "update");
            return warnings;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>dockerd's verifyContainerSettings for an update: the resources as create checks them, the restart policy, what lcd cannot apply.</summary>
    private static void ValidateUpdate(ContainerUpdateRequest update)
    {
        ValidateResources(update, update: true);
        if (!string.IsNullOrEmpty(update.RestartPolicy?.Name))
        {
            ValidateRestartPolicy(new HostConfig { RestartPolicy = update.RestartPolicy });
        }
        // Chosen: refused rather than silently dropped; the CLI sends zero unless the flag is given.
        if (update.BlkioWeight != 0)
        {
            throw ApiException.BadRequest("--blkio-weight: lcd does not apply block I/O weights");
        }
        if (update.KernelMemory != 0)
        {
            throw ApiException.BadRequest("--kernel-memory: kernel memory limits are not supported (deprecated by Docker, gone from cgroup v2)");
        }
        if (update.CpuRealtimePeriod != 0 || update.CpuRealtimeRuntime != 0)
        {
            throw ApiException.BadRequest("--cpu-rt-period/--cpu-rt-runtime: lcd does not apply real-time CPU limits");
        }
    }

    /// <summary>
    /// dockerd's container.UpdateContainer: a copy of <paramref name="current"/> with the update's
    /// non-zero fields; NanoCpus and CpuPeriod/CpuQuota exclude each other across updates, and a
    /// memory limit above the stored swap limit needs the swap limit in the same update (409).
    /// </summary>
    internal static HostConfig MergeUpdate(string id, HostConfig current, ContainerUpdateRequest update)
    {
        ApiException Conflict(string message) => ApiException.Conflict($"Cannot update container {id}: {message}");
        if (update.NanoCpus > 0 && current.CpuPeriod > 0)
        {
            throw Conflict("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
        }
        if (update.NanoCpus > 0 && current.CpuQuota > 0)
        {
            throw Conflict("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
        }
        if (update.CpuPeriod > 0 && current.NanoCpus > 0)
        {
            throw Conflict("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
        }
        if (update.CpuQuota > 0 && current.NanoCpus > 0)
        {
            throw Conflict("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
        }
        if (update.Memory != 0 && update.Memory > current.MemorySwap && update.MemorySwap == 0)
        {
            throw Conflict("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
        }
        if (!string.IsNullOrEmpty(update.RestartPolicy?.Name) && update.RestartPolicy.Name != "no" && current.AutoRemove)
        {
            throw Conflict("Restart policy cannot be updated because AutoRemove is enabled for the container");
        }
        HostConfig merged = current with { };
        merged.Memory = update.Memory != 0 ? update.Memory : current.Memory;
        merged.MemorySwap = update.MemorySwap != 0 ? update.MemorySwap : current.MemorySwap;
        merged.MemoryReservation = update.MemoryReservation != 0 ? update.MemoryReservation : current.MemoryReservation;
        merged.NanoCpus = update.NanoCpus != 0 ? update.NanoCpus : current.NanoCpus;
        merged.CpuShares = update.CpuShares != 0 ? update.CpuShares : current.CpuShares;
        merged.CpuPeriod = update.CpuPeriod != 0 ? update.CpuPeriod : current.CpuPeriod;
        merged.CpuQuota = update.CpuQuota != 0 ? update.CpuQuota : current.CpuQuota;
        merged.CpusetCpus = !string.IsNullOrEmpty(update.CpusetCpus) ? update.CpusetCpus : current.CpusetCpus;
        merged.CpusetMems = !string.IsNullOrEmpty(update.CpusetMems) ? update.CpusetMems : current.CpusetMems;
        merged.PidsLimit = update.PidsLimit is long pids ? Math.Max(pids, 0) : current.PidsLimit; // dockerd stores "unlimited" as 0
        if (!string.IsNullOrEmpty(update.RestartPolicy?.Name))
        {
            merged.RestartPolicy = update.RestartPolicy;
        }
        return merged;
    }
}

using Lcd.Api;
using Lcd.Graph;
using LibContainer;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>docker stop: the stop signal (the image's StopSignal, else SIGTERM), then SIGKILL after the timeout.</summary>
    /// <returns>False when it was not running (the API answers 304).</returns>
    public async Task<bool> StopAsync(ContainerEntry entry, int? timeoutSeconds, CancellationToken cancellationToken)
    {
        if (!_shuttingDown)
        {
            // Held first, whatever the state: an exit being recorded or a restart waiting for its delay
            // or being started now (under the gate) then does not bring the container back.
            bool wasRestarting = entry.Record.State.Restarting;
            HoldRestart(entry, byHand: entry.IsRunning || wasRestarting);
            if (wasRestarting)
            {
                await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false); // a restart's start in progress finishes first
                entry.Gate.Release();
                if (!entry.IsRunning)
                {
                    return true; // stopped while waiting for its restart
                }
            }
        }
        IContainer? container = entry.Runtime;
        Task? monitor = entry.Monitor;
        if (!entry.IsRunning || container is null || monitor is null)
        {
            return false;
        }
        int timeout = timeoutSeconds ?? entry.Record.Config.StopTimeout ?? 10;
        int stopNumber = StopSignal(entry);
        Publish(entry, "kill", ("signal", Text(stopNumber))); // before the signal, so it precedes the die
        await container.SignalAsync((Signal)stopNumber, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (timeout < 0)
        {
            await monitor.WaitAsync(cancellationToken).ConfigureAwait(false);
            Publish(entry, "stop");
            return true;
        }
        try
        {
            await monitor.WaitAsync(TimeSpan.FromSeconds(timeout), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.ContainerStopTimedOut(_logger, entry.Record.Id, timeout);
            Publish(entry, "kill", ("signal", Text((int)Signal.Kill)));
            await container.SignalAsync(Signal.Kill, all: true, cancellationToken).ConfigureAwait(false);
            await ThawAfterKillAsync(entry, container).ConfigureAwait(false);
            await monitor.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        Publish(entry, "stop");
        return true;
    }

    /// <summary>The container's stop signal: its own, else its image's, else SIGTERM.</summary>
    private int StopSignal(ContainerEntry entry) => ImageSpec.ParseSignal(entry.Record.Config.StopSignal
        ?? (Images.Find(entry.Record.Image) is { } image ? Images.GetConfig(image).Config?.StopSignal : null)
        ?? "SIGTERM");

    /// <summary>docker kill: a signal by name (SIGKILL, KILL) or number; 409 when the container is not running. SIGKILL or the stop signal holds the restart policy until the next start.</summary>
    public async Task KillAsync(ContainerEntry entry, string? signal, CancellationToken cancellationToken)
    {
        IContainer? container = entry.Runtime;
        if (!entry.IsRunning || container is null)
        {
            throw ApiException.Conflict($"Cannot kill container: {entry.Record.Id}: Container {entry.Record.Id} is not running");
        }
        int number;
        try
        {
            number = ImageSpec.ParseSignal(string.IsNullOrEmpty(signal) ? "SIGKILL" : signal);
        }
        catch (GraphException)
        {
            throw ApiException.BadRequest($"Invalid signal: {signal}"); // dockerd's words
        }
        if (number == (int)Signal.Kill || number == StopSignal(entry))
        {
            HoldRestart(entry, byHand: true);
        }
        Publish(entry, "kill", ("signal", Text(number))); // before the signal, so it precedes the die
        await container.SignalAsync((Signal)number, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (number == (int)Signal.Kill)
        {
            await ThawAfterKillAsync(entry, container).ConfigureAwait(false);
        }
    }

    /// <summary>docker wait: "not-running" (now, if stopped), "next-exit" (the next exit) or "removed".</summary>
    public Task<int> WaitTask(ContainerEntry entry, string? condition) => condition switch
    {
        null or "" or "not-running" => entry.IsRunning ? entry.NextExit.Task : Task.FromResult(entry.Record.State.ExitCode),
        "next-exit" => entry.NextExit.Task,
        "removed" => WaitRemovedAsync(entry),
        _ => throw ApiException.BadRequest($"invalid condition: \"{condition}\""),
    };

    private static async Task<int> WaitRemovedAsync(ContainerEntry entry)
    {
        await entry.Removed.Task.ConfigureAwait(false);
        return entry.Record.State.ExitCode;
    }

    /// <summary>docker rm: a running container only with force (killed first); the record, log, root filesystem and network sandbox go, with -v its anonymous volumes.</summary>
    public async Task RemoveAsync(ContainerEntry entry, bool force, CancellationToken cancellationToken, bool removeVolumes = false)
    {
        if (entry.IsRunning && !force)
        {
            throw ApiException.Conflict($"You cannot remove a running container {entry.Record.Id}. Stop the container before attempting removal or force remove");
        }
        if (entry.Record.State.Restarting && !force)
        {
            throw ApiException.Conflict($"You cannot remove a restarting container {entry.Record.Id}. Stop the container before attempting removal or force remove");
        }
        HoldRestart(entry, byHand: true);
        if (entry.IsRunning && entry.Runtime is { } container && entry.Monitor is { } monitor)
        {
            Publish(entry, "kill", ("signal", Text((int)Signal.Kill)));
            await container.SignalAsync(Signal.Kill, all: true, cancellationToken).ConfigureAwait(false);
            await ThawAfterKillAsync(entry, container).ConfigureAwait(false);
            await monitor.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (!_byId.Remove(entry.Record.Id))
                {
                    return; // removed meanwhile (--rm and docker rm -f race)
                }
            }
            entry.Record.State = entry.Record.State with { Status = "removing" };
            await DetachNetworkAsync(entry.Record.Id).ConfigureAwait(false);
            Rootfs.Remove(entry.Record.Id);
            if (System.IO.Directory.Exists(entry.Directory))
            {
                System.IO.Directory.Delete(entry.Directory, recursive: true);
            }
            if (removeVolumes)
            {
                RemoveAnonymousVolumes(entry.Record);
            }
            Log.ContainerRemoved(_logger, entry.Record.Id);
            ForgetExecs(entry);
            Publish(entry, "destroy");
        }
        finally
        {
            entry.Gate.Release();
            entry.Removed.TrySetResult();
        }
    }

    /// <summary>
    /// Shutdown without live restore (--live-restore=false), as dockerd: every running container is
    /// stopped (its stop signal, then SIGKILL after its timeout), so the library's container, its
    /// processes and cgroups go with the daemon.
    /// </summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        _shuttingDown = true; // their restart policies apply at the next daemon start
        foreach (ContainerEntry entry in List())
        {
            CancelPendingRestart(entry);
        }
        List<ContainerEntry> running = List().Where(e => e.IsRunning).ToList();
        await Task.WhenAll(running.Select(e => StopAsync(e, timeoutSeconds: null, cancellationToken))).ConfigureAwait(false);
    }
}

using Lcd.Api;

namespace Lcd.Containers;

/// <summary>
/// Restart policies as dockerd's restart manager applies them: no, always, unless-stopped,
/// on-failure[:N]; a delay of 100 ms doubled at each restart up to a minute, back to 100 ms after a
/// run of 10 s or more; docker stop and kill (a fatal signal) hold the policy until the next start;
/// at daemon start, what the policy says of each stopped container.
/// </summary>
public sealed partial class ContainerService
{
    private static readonly TimeSpan s_firstRestartDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxRestartDelay = TimeSpan.FromMinutes(1);
    private volatile bool _shuttingDown;

    /// <summary>The create request's policy, refused as dockerd refuses it (400).</summary>
    internal static void ValidateRestartPolicy(HostConfig host)
    {
        RestartPolicy? policy = host.RestartPolicy;
        string name = policy?.Name ?? "";
        int max = policy?.MaximumRetryCount ?? 0;
        switch (name)
        {
            case "" or "no" or "always" or "unless-stopped":
                if (max != 0)
                {
                    throw ApiException.BadRequest($"invalid restart policy: maximum retry count can only be used with 'on-failure'");
                }
                break;
            case "on-failure":
                if (max < 0)
                {
                    throw ApiException.BadRequest("invalid restart policy: maximum retry count cannot be negative");
                }
                break;
            default:
                throw ApiException.BadRequest($"invalid restart policy: unknown policy '{name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        }
        if (host.AutoRemove && name is not ("" or "no"))
        {
            throw ApiException.BadRequest("can't create 'AutoRemove' container with restart policy");
        }
    }

    /// <summary>dockerd's rule: whether an exit (or a container found stopped at daemon start) is restarted.</summary>
    internal static bool PolicyRestarts(RestartPolicy? policy, int exitCode, bool manuallyStopped, int restartCount) => policy?.Name switch
    {
        "always" => true,
        "unless-stopped" => !manuallyStopped,
        "on-failure" => exitCode != 0 && (policy.MaximumRetryCount == 0 || restartCount < policy.MaximumRetryCount),
        _ => false,
    };

    /// <summary>The next delay: doubled from the last, reset after a run of 10 s, at most a minute.</summary>
    internal static TimeSpan NextRestartDelay(TimeSpan last, TimeSpan ran) =>
        ran >= TimeSpan.FromSeconds(10) || last == TimeSpan.Zero ? s_firstRestartDelay
        : last * 2 > s_maxRestartDelay ? s_maxRestartDelay : last * 2;

    /// <summary>docker start (and restart's start): a manual start clears what stop or kill held and counts restarts from zero.</summary>
    public Task<bool> StartAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        CancelPendingRestart(entry);
        entry.RestartHeld = false;
        entry.RestartDelay = TimeSpan.Zero;
        entry.Record.HasBeenManuallyStopped = false;
        entry.Record.RestartCount = 0;
        return StartRunAsync(entry, cancellationToken);
    }

    /// <summary>docker stop, kill (a fatal signal) and rm: no restart until the next start; by hand (it was running or restarting) also at daemon start for unless-stopped.</summary>
    private static void HoldRestart(ContainerEntry entry, bool byHand)
    {
        entry.RestartHeld = true;
        if (byHand)
        {
            entry.Record.HasBeenManuallyStopped = true;
        }
        CancelPendingRestart(entry);
    }

    private static void CancelPendingRestart(ContainerEntry entry)
    {
        if (entry.PendingRestart is { } pending)
        {
            entry.PendingRestart = null;
            pending.Cancel();
        }
    }

    /// <summary>After an exit is recorded: the restart the policy asks for, after its delay, in the background.</summary>
    private async Task RestartIfPolicySaysAsync(ContainerEntry entry, int exitCode)
    {
        ContainerRecord record = entry.Record;
        if (_shuttingDown || entry.RestartHeld || record.HostConfig.AutoRemove
            || !PolicyRestarts(record.HostConfig.RestartPolicy, exitCode, manuallyStopped: false, record.RestartCount))
        {
            return;
        }
        TimeSpan ran = DateTimeOffset.Parse(record.State.FinishedAt, System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(record.State.StartedAt, System.Globalization.CultureInfo.InvariantCulture);
        entry.RestartDelay = NextRestartDelay(entry.RestartDelay, ran);
        var pending = new CancellationTokenSource();
        entry.PendingRestart = pending;
        record.State = record.State with { Status = "restarting", Restarting = true };
        await SaveAsync(entry).ConfigureAwait(false);
        try
        {
            await Task.Delay(entry.RestartDelay, pending.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stop, kill, rm or a manual start came first
        }
        finally
        {
            if (record.State.Restarting && pending.IsCancellationRequested)
            {
                record.State = record.State with { Status = "exited", Restarting = false };
                await SaveAsync(entry).ConfigureAwait(false);
            }
        }
        if (entry.PendingRestart != pending || _shuttingDown)
        {
            return;
        }
        entry.PendingRestart = null;
        try
        {
            // Checked again under the start's gate: a stop or kill that came meanwhile wins.
            if (!await StartRunAsync(entry, CancellationToken.None, () => !entry.RestartHeld && !_shuttingDown).ConfigureAwait(false))
            {
                record.State = record.State with { Status = "exited", Restarting = false };
                await SaveAsync(entry).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ApiException or IOException)
        {
            // As dockerd: a restart that fails to start leaves the container stopped with the error.
            Log.ContainerRestartFailed(_logger, record.Id, ex);
            record.State = record.State with { Status = "exited", Restarting = false };
            await SaveAsync(entry).ConfigureAwait(false);
        }
    }

    /// <summary>At daemon start: the stopped containers whose policy restarts them (always; unless-stopped unless stopped by hand; on-failure after a failure).</summary>
    private async Task StartByPolicyAsync(CancellationToken cancellationToken)
    {
        List<ContainerEntry> due = List().Where(e => !e.IsRunning && e.Record.State.Status is "exited" or "restarting"
            && PolicyRestarts(e.Record.HostConfig.RestartPolicy, e.Record.State.ExitCode, e.Record.HasBeenManuallyStopped, e.Record.RestartCount)).ToList();
        foreach (ContainerEntry entry in due)
        {
            entry.Record.State = entry.Record.State with { Status = "exited", Restarting = false };
            try
            {
                await StartRunAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or IOException)
            {
                Log.ContainerRestartFailed(_logger, entry.Record.Id, ex);
            }
        }
    }
}

using System.Globalization;
using Lcd.Api;
using LibContainer;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>docker pause: the library freezes every process of the container (cgroup freezer).</summary>
    public async Task PauseAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IContainer container = RunningOrConflict(entry);
            if (entry.Record.State.Paused)
            {
                throw ApiException.Conflict($"Container {entry.Record.Id} is already paused");
            }
            try
            {
                await container.PauseAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                throw ApiException.Conflict($"Cannot pause container {entry.Record.Id}: {ex.Message}");
            }
            entry.Record.State = entry.Record.State with { Status = "paused", Paused = true };
            await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
            Publish(entry, "pause");
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>docker unpause: the library thaws the container.</summary>
    public async Task UnpauseAsync(ContainerEntry entry, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IContainer container = RunningOrConflict(entry);
            if (!entry.Record.State.Paused)
            {
                throw ApiException.Conflict($"Container {entry.Record.Id} is not paused");
            }
            try
            {
                await container.ResumeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                throw ApiException.Conflict($"Cannot unpause container {entry.Record.Id}: {ex.Message}");
            }
            entry.Record.State = entry.Record.State with { Status = "running", Paused = false };
            await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
            Publish(entry, "unpause");
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// After a SIGKILL to a paused container (stop's timeout, kill, rm -f): thaw it so the signal is
    /// delivered, as dockerd does; a frozen process cannot die.
    /// </summary>
    internal static async Task ThawAfterKillAsync(ContainerEntry entry, IContainer container)
    {
        if (!entry.Record.State.Paused)
        {
            return;
        }
        try
        {
            await container.ResumeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ContainerException)
        {
            // Not paused any more (it ended meanwhile).
        }
        entry.Record.State = entry.Record.State with { Status = entry.Record.State.Running ? "running" : entry.Record.State.Status, Paused = false };
    }

    /// <summary>docker rename: the new name must be valid and free; the old one is free at once.</summary>
    public async Task RenameAsync(ContainerEntry entry, string? newName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(newName))
        {
            throw ApiException.BadRequest("Neither old nor new names may be empty");
        }
        if (!ValidName().IsMatch(newName))
        {
            throw ApiException.BadRequest($"Invalid container name ({newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        string fullName = newName.StartsWith('/') ? newName : "/" + newName;
        string oldName = entry.Record.Name;
        if (fullName == oldName)
        {
            throw ApiException.Conflict($"Renaming a container with the same name as its current name");
        }
        lock (_lock)
        {
            ContainerEntry? holder = _byId.Values.FirstOrDefault(e => e.Record.Name == fullName);
            if (holder is not null)
            {
                throw ApiException.Conflict($"Conflict. The container name \"{fullName}\" is already in use by container \"{holder.Record.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            }
            entry.Record.Name = fullName;
        }
        await SaveAsync(entry, cancellationToken).ConfigureAwait(false);
        Publish(entry, "rename", ("oldName", oldName));
    }

    /// <summary>The library's container of a running container; 409 as dockerd words it otherwise.</summary>
    private static IContainer RunningOrConflict(ContainerEntry entry) =>
        entry.IsRunning && entry.Runtime is { } container
            ? container
            : throw ApiException.Conflict($"Container {entry.Record.Id} is not running");

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LibContainer.Interop;
using Tmds.Linux;

namespace LibContainer.Cgroups;

/// <summary>
/// Cgroup notifications as events. v1: an eventfd registered through cgroup.event_control for
/// memory.oom_control (OOM) and memory.pressure_level (pressure). v2: inotify on memory.events,
/// whose oom_kill counter grows. All waits go through <see cref="FdPoller"/>.
/// </summary>
internal static class CgroupEvents
{
    private static readonly string[] s_pressureLevels = ["low", "medium", "critical"];

    public static async IAsyncEnumerable<ContainerEvent> WatchAsync(CgroupManager cgroups, CgroupLayout layout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ContainerEvent>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sources = new List<Task>();
        if (layout.VersionOf("memory") == CgroupVersion.V1 && layout.V1Hierarchy("memory") is { } hierarchy &&
            cgroups.Directories.FirstOrDefault(d => d.StartsWith(hierarchy.MountPoint + "/", StringComparison.Ordinal)) is { } memory)
        {
            sources.Add(WatchV1Async(memory, "memory.oom_control", null, channel.Writer, stop.Token));
            foreach (string level in s_pressureLevels)
            {
                sources.Add(WatchV1Async(memory, "memory.pressure_level", level, channel.Writer, stop.Token));
            }
        }
        else if (cgroups.UnifiedDirectory is { } unified && File.Exists(Path.Combine(unified, "memory.events")))
        {
            sources.Add(WatchMemoryEventsAsync(Path.Combine(unified, "memory.events"), channel.Writer, stop.Token));
        }
        if (sources.Count == 0)
        {
            yield break;
        }
        _ = Task.WhenAll(sources).ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        try
        {
            await foreach (ContainerEvent e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One v1 notification: "&lt;eventfd&gt; &lt;fd of file&gt; [args]" into cgroup.event_control; the eventfd's
    /// counter then counts events. Removing the cgroup signals it once more: that ends the watch.
    /// </summary>
    private static async Task WatchV1Async(string directory, string file, string? level, ChannelWriter<ContainerEvent> writer, CancellationToken cancellationToken)
    {
        using SafeFd target = Sys.Open(Path.Combine(directory, file), LibC.O_RDONLY);
        using SafeFd eventFd = Sys.EventFd();
        string registration = $"{eventFd.Fd} {target.Fd}{(level is null ? "" : " " + level)}";
        CgroupFiles.Write(directory, "cgroup.event_control", registration);
        byte[] counter = new byte[8];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await FdPoller.Shared.WaitAsync(eventFd, write: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (Sys.Read(eventFd, counter) != 8)
            {
                continue;
            }
            if (!Directory.Exists(directory))
            {
                return; // the cgroup was removed
            }
            ulong count = BinaryPrimitives.ReadUInt64LittleEndian(counter);
            writer.TryWrite(level is null
                ? new ContainerEvent(ContainerEventType.OutOfMemory, DateTimeOffset.UtcNow, count)
                : new ContainerEvent(ContainerEventType.MemoryPressure, DateTimeOffset.UtcNow, count, level));
        }
    }

    /// <summary>v2: memory.events is a flat-keyed file; the kernel notifies inotify (IN_MODIFY) when it changes.</summary>
    internal static async Task WatchMemoryEventsAsync(string eventsFile, ChannelWriter<ContainerEvent> writer, CancellationToken cancellationToken)
    {
        using SafeFd inotify = Sys.InotifyWatch(eventsFile);
        ulong seen = OomKills(eventsFile) ?? 0;
        byte[] buffer = new byte[4096];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await FdPoller.Shared.WaitAsync(inotify, write: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Sys.Read(inotify, buffer);
            if (OomKills(eventsFile) is not ulong now)
            {
                return; // the cgroup was removed
            }
            if (now > seen)
            {
                writer.TryWrite(new ContainerEvent(ContainerEventType.OutOfMemory, DateTimeOffset.UtcNow, now - seen));
                seen = now;
            }
        }
    }

    private static ulong? OomKills(string eventsFile)
    {
        try
        {
            foreach (string line in File.ReadAllLines(eventsFile))
            {
                string[] parts = line.Split(' ', 2);
                if (parts.Length == 2 && parts[0] == "oom_kill")
                {
                    return ulong.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }
            return 0;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

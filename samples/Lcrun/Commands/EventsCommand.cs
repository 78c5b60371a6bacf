using LibContainer;
using Lcrun.Cli;
using Lcrun.Output;
using Lcrun.Io;

namespace Lcrun.Commands;

/// <summary>events: one stats object (--stats), or a stream of stats every --interval and oom events until the container stops.</summary>
internal static class EventsCommand
{
    public static Command Definition { get; } = new("events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics", "<container-id>",
    [
        Flag.Value("interval", "set the stats collection interval (default: 5s)"),
        Flag.Bool("stats", "display the container's stats then exit"),
    ], EventsAsync)
    {
        ExactArgs = 1,
    };

    private static readonly Lock s_output = new();

    private static async Task<int> EventsAsync(CommandContext ctx, ParsedArgs args)
    {
        TimeSpan interval = args.Get("interval") is { } text ? ValueParsers.ParseDuration(text) : TimeSpan.FromSeconds(5);
        if (interval <= TimeSpan.Zero)
        {
            throw new CliException("duration interval must be greater than 0");
        }
        IContainer container = await ctx.LoadAsync(args.Id).ConfigureAwait(false);
        if (container.Status == ContainerStatus.Stopped)
        {
            throw new CliException($"container with id {container.Id} is not running");
        }
        if (args.GetBool("stats"))
        {
            await WriteStatsAsync(container, CancellationToken.None).ConfigureAwait(false);
            return 0;
        }

        using var stop = new CancellationTokenSource();
        Task oom = WatchOomAsync(container, stop.Token);
        // On a pool thread: this factory's waits block first (SynchronousWaitLimit), and the first
        // stats must not wait for that.
        Task exited = Task.Run(() => container.InitProcess.WaitForExitAsync(stop.Token), stop.Token);
        using var timer = new PeriodicTimer(interval);
        while (true)
        {
            Task tick = timer.WaitForNextTickAsync(stop.Token).AsTask();
            Task first = await Task.WhenAny(tick, exited, oom).ConfigureAwait(false);
            if (first != tick)
            {
                break; // the container stopped (or its cgroups went away)
            }
            try
            {
                await WriteStatsAsync(container, stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ContainerException or IOException)
            {
                ctx.Log.Error(ex.Message); // as runc: log and keep going
            }
        }
        await stop.CancelAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task WriteStatsAsync(IContainer container, CancellationToken cancellationToken)
    {
        ContainerStats stats = await container.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        Write(new RuncEvent("stats", container.Id, StatsConverter.Convert(stats)));
    }

    private static async Task WatchOomAsync(IContainer container, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ContainerEvent e in container.WatchEventsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e.Type == ContainerEventType.OutOfMemory)
                {
                    Write(new RuncEvent("oom", container.Id, null));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is ContainerException or IOException)
        {
            // No OOM events on this host: the stats go on until the container stops.
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Write(RuncEvent e)
    {
        string line = LcrunJsonContext.Write(e, LcrunJsonContext.Default.RuncEvent) + "\n";
        lock (s_output)
        {
            StdStreams.Out(line);
        }
    }
}

using System.Text;
using System.Threading.Channels;
using Lcd.Containers;

namespace Lcd.Api;

/// <summary>
/// POST /containers/{id}/attach (docker attach, docker run and start -a): the connection is taken over
/// (Upgrade: tcp, 101). With logs=1 the logged output comes first; with stream=1 the live output
/// follows until the process ends. Without a terminal the output is framed (8-byte headers); with one
/// it is the terminal's raw bytes, and ctrl-p ctrl-q (or detachKeys) in the input detaches the client.
/// </summary>
internal static class AttachEndpoints
{
    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/containers/{id}/attach", Attach);

    private static async Task Attach(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        bool stdout = ContainerEndpoints.Bool(context, "stdout"), stderr = ContainerEndpoints.Bool(context, "stderr");
        bool stdin = ContainerEndpoints.Bool(context, "stdin");
        bool stream = ContainerEndpoints.Bool(context, "stream"), logs = ContainerEndpoints.Bool(context, "logs");
        bool tty = entry.Record.Config.Tty;
        byte[]? detachKeys = tty && stdin ? Hijack.ParseDetachKeys(context.Request.Query["detachKeys"]) : null;

        // Subscribe before answering: a client that attaches, then starts, gets every byte. With logs=1 the
        // file is read and the logged output subscribed at one instant (nothing lost or doubled).
        List<(byte Stream, DateTimeOffset Time, string Log)> past = [];
        OutputHub hub = logs ? entry.Logged : entry.Output;
        ChannelReader<OutputChunk>? live = null;
        if (logs)
        {
            await entry.LogLock.WaitAsync(context.RequestAborted);
            try
            {
                past = JsonFileLog.Read(entry.Record.LogPath).ToList();
                hub = entry.Logged;
                live = stream ? hub.Subscribe() : null;
            }
            finally
            {
                entry.LogLock.Release();
            }
        }
        else if (stream)
        {
            live = hub.Subscribe();
        }

        Hijack hijack = await Hijack.TakeOverAsync(context);
        using var detached = new CancellationTokenSource();
        Task input = Task.CompletedTask;
        try
        {
            async Task SendAsync(byte kind, ReadOnlyMemory<byte> data)
            {
                if ((kind == 1 && stdout) || (kind == 2 && stderr))
                {
                    if (tty)
                    {
                        await hijack.Output.WriteAsync(data);
                        await hijack.Output.FlushAsync();
                    }
                    else
                    {
                        await StreamFraming.WriteFrameAsync(hijack.Output, kind, data, CancellationToken.None);
                    }
                }
            }
            foreach ((byte kind, DateTimeOffset _, string log) in past)
            {
                await SendAsync(kind, Encoding.UTF8.GetBytes(log));
            }
            if (live is not null)
            {
                if (stdin && entry.Record.Config.OpenStdin)
                {
                    input = CopyStdinAsync(entry, hijack, detachKeys, detached);
                }
                await foreach (OutputChunk chunk in live.ReadAllAsync(detached.Token))
                {
                    await SendAsync(chunk.Stream, chunk.Data);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away, or detached.
        }
        finally
        {
            if (live is not null)
            {
                hub.Unsubscribe(live);
            }
        }
        await input.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }, TaskScheduler.Default);
        await hijack.Output.DisposeAsync();
    }

    /// <summary>The client's input to the container's stdin (its terminal with -t), from the moment it runs.</summary>
    private static async Task CopyStdinAsync(ContainerEntry entry, Hijack hijack, byte[]? detachKeys, CancellationTokenSource detached)
    {
        try
        {
            while (entry.Runtime is null && !hijack.InputEnded.IsCancellationRequested)
            {
                await Task.Delay(10, hijack.InputEnded);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        bool tty = entry.Record.Config.Tty;
        Stream? target = tty ? entry.Runtime?.InitProcess.Terminal : entry.Runtime?.InitProcess.StandardInput;
        if (target is null)
        {
            return;
        }
        if (await hijack.CopyInputAsync(target, detachKeys))
        {
            await detached.CancelAsync();
            return;
        }
        if (!tty && entry.Record.Config.StdinOnce)
        {
            await target.DisposeAsync();
        }
    }
}

using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Lcd.Containers;
using LibContainer;
using Microsoft.AspNetCore.Http.Features;

namespace Lcd.Api;

/// <summary>docker exec: POST /containers/{id}/exec, POST /exec/{id}/start (hijacked, or -d), POST /exec/{id}/resize, GET /exec/{id}/json.</summary>
internal static class ExecEndpoints
{
    /// <summary>Exec bodies are small (a command and a few variables).</summary>
    private const long MaxBody = 1 << 20;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/containers/{id}/exec", Create);
        RouteGroupBuilder group = app.MapGroup("/exec");
        group.MapPost("/{id}/start", Start);
        group.MapPost("/{id}/resize", Resize);
        group.MapGet("/{id}/json", Inspect);
    }

    private static async Task<T?> ReadBodyAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (UpgradeBody.Read(context) is { } moved)
        {
            try
            {
                return JsonSerializer.Deserialize(moved, type);
            }
            catch (JsonException ex)
            {
                throw ApiException.BadRequest($"invalid JSON in the request body: {ex.Message}");
            }
        }
        if (context.Request.ContentLength > MaxBody)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"request body of {context.Request.ContentLength} bytes exceeds the limit of {MaxBody}");
        }
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true }
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBody;
        }
        if (context.Request.ContentLength == 0)
        {
            return default;
        }
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"invalid JSON in the request body: {ex.Message}");
        }
    }

    private static async Task Create(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        ExecCreateRequest request = await ReadBodyAsync(context, ExecJsonContext.Default.ExecCreateRequest)
            ?? throw ApiException.BadRequest("No exec command specified");
        ExecEntry exec = containers.CreateExec(entry, request);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new IdResponse(exec.Id), ExecJsonContext.Default.IdResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Inspect(HttpContext context, string id, ContainerService containers)
    {
        ExecEntry exec = containers.GetExec(id);
        ExecInspectResponse body;
        lock (exec.Lock)
        {
            body = new ExecInspectResponse
            {
                ID = exec.Id,
                ContainerID = exec.Container.Record.Id,
                Running = exec.Running,
                ExitCode = exec.ExitCode,
                Pid = exec.Pid,
                DetachKeys = exec.Config.DetachKeys ?? "",
                OpenStdin = exec.Config.AttachStdin,
                OpenStdout = exec.Config.AttachStdout,
                OpenStderr = exec.Config.AttachStderr,
                ProcessConfig = new ExecProcessConfig
                {
                    Tty = exec.Config.Tty,
                    Entrypoint = exec.Config.Cmd![0],
                    Arguments = exec.Config.Cmd.Skip(1).ToList(),
                    Privileged = exec.Config.Privileged,
                    User = string.IsNullOrEmpty(exec.Config.User) ? null : exec.Config.User,
                },
            };
        }
        await context.Response.WriteAsJsonAsync(body, ExecJsonContext.Default.ExecInspectResponse, contentType: "application/json", context.RequestAborted);
    }

    private static Task Resize(HttpContext context, string id, ContainerService containers)
    {
        ExecEntry exec = containers.GetExec(id);
        (ushort rows, ushort columns) = ContainerRuntimeEndpoints.Size(context);
        ContainerService.ResizeExec(exec, rows, columns);
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts the exec. Detached (-d): the process runs, the answer is 200. Attached: the connection is
    /// taken over (409s come before that, as JSON); the client's input goes to the process's stdin (or
    /// terminal) until it half-closes, the output comes back framed (or raw with a terminal), and the
    /// connection ends when the process ended and its output was sent, with its exit code recorded for
    /// the CLI's inspect that follows. A start that fails writes its error into the stream, as dockerd.
    /// </summary>
    private static async Task Start(HttpContext context, string id, ContainerService containers)
    {
        ExecEntry exec = containers.GetExec(id);
        ExecStartRequest request = await ReadBodyAsync(context, ExecJsonContext.Default.ExecStartRequest) ?? new ExecStartRequest();
        byte[]? detachKeys = exec.Config.Tty && exec.Config.AttachStdin ? Hijack.ParseDetachKeys(exec.Config.DetachKeys) : null;
        containers.ClaimExec(exec);
        if (request.Detach)
        {
            await containers.StartExecAsync(exec, detach: true, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }
        Hijack hijack = await Hijack.TakeOverAsync(context);
        bool tty = exec.Config.Tty;
        IProcess process;
        try
        {
            process = await containers.StartExecAsync(exec, detach: false, CancellationToken.None);
        }
        catch (ApiException ex)
        {
            byte[] text = Encoding.UTF8.GetBytes(ex.Message + "\r\n");
            try
            {
                if (tty)
                {
                    await hijack.Output.WriteAsync(text);
                    await hijack.Output.FlushAsync();
                }
                else
                {
                    await StreamFraming.WriteFrameAsync(hijack.Output, 1, text, CancellationToken.None);
                }
            }
            catch (IOException)
            {
            }
            await hijack.Output.DisposeAsync();
            return;
        }

        using var detached = new CancellationTokenSource();
        Task input = Task.CompletedTask;
        if (exec.Config.AttachStdin && (tty ? process.Terminal : process.StandardInput) is { } target)
        {
            input = Task.Run(async () =>
            {
                if (await hijack.CopyInputAsync(target, detachKeys))
                {
                    await detached.CancelAsync();
                }
                else if (!tty)
                {
                    await target.DisposeAsync(); // the process sees the end of its stdin
                }
            });
        }
        var writeLock = new SemaphoreSlim(1, 1);
        Task output = tty
            ? CopyRawAsync(process.Terminal!, hijack.Output, detached.Token)
            : Task.WhenAll(
                PumpFramedAsync(process.StandardOutputReader, 1, hijack.Output, writeLock, detached.Token),
                PumpFramedAsync(process.StandardErrorReader, 2, hijack.Output, writeLock, detached.Token));
        await output;
        if (!detached.IsCancellationRequested)
        {
            // The CLI asks for the exit code as soon as the stream ends: record it first.
            await exec.Exited.Task;
        }
        await input.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }, TaskScheduler.Default);
        await hijack.Output.DisposeAsync();
        if (!detached.IsCancellationRequested)
        {
            process.Terminal?.Dispose();
            process.StandardInput?.Dispose();
        }
        else if (process.Terminal is { } terminal)
        {
            // Detached from a terminal (ctrl-p ctrl-q): the process runs on; its output is drained.
            _ = terminal.CopyToAsync(Stream.Null, CancellationToken.None).ContinueWith(_ => terminal.Dispose(), TaskScheduler.Default);
        }
    }

    /// <summary>A terminal's output, as it comes, to the client (no framing with a terminal).</summary>
    internal static async Task CopyRawAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
                await to.FlushAsync(CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away, or detached.
        }
    }

    private static async Task PumpFramedAsync(PipeReader? reader, byte stream, Stream to, SemaphoreSlim writeLock, CancellationToken cancellationToken)
    {
        if (reader is null)
        {
            return;
        }
        bool clientGone = false;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(cancellationToken);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    if (segment.IsEmpty || clientGone)
                    {
                        continue;
                    }
                    await writeLock.WaitAsync(CancellationToken.None);
                    try
                    {
                        await StreamFraming.WriteFrameAsync(to, stream, segment, CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                    {
                        clientGone = true; // keep draining, so the process never blocks on a full pipe
                    }
                    finally
                    {
                        writeLock.Release();
                    }
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }
}

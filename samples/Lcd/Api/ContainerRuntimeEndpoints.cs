using System.Globalization;
using System.Text.Json;
using Lcd.Containers;
using LibContainer;

namespace Lcd.Api;

/// <summary>What docker does to a running container beyond its lifecycle: pause, unpause, rename, update, top, stats, resize (a terminal's size).</summary>
internal static class ContainerRuntimeEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/containers");
        group.MapPost("/{id}/pause", Pause);
        group.MapPost("/{id}/unpause", Unpause);
        group.MapPost("/{id}/rename", Rename);
        group.MapPost("/{id}/update", Update);
        group.MapGet("/{id}/top", Top);
        group.MapGet("/{id}/stats", Stats);
        group.MapPost("/{id}/resize", Resize);
    }

    private static async Task Pause(HttpContext context, string id, ContainerService containers)
    {
        await containers.PauseAsync(containers.Get(id), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task Unpause(HttpContext context, string id, ContainerService containers)
    {
        await containers.UnpauseAsync(containers.Get(id), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task Rename(HttpContext context, string id, ContainerService containers)
    {
        await containers.RenameAsync(containers.Get(id), context.Request.Query["name"], context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>POST /containers/{id}/update (docker update): resources and restart policy; 200 {"Warnings": []}.</summary>
    private static async Task Update(HttpContext context, string id, ContainerService containers)
    {
        ContainerUpdateRequest? update = await JsonBody.ReadAsync(context, ContainerJsonContext.Default.ContainerUpdateRequest);
        List<string> warnings = await containers.UpdateAsync(id, update ?? new ContainerUpdateRequest(), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new ContainerUpdateResponse(warnings), ContainerJsonContext.Default.ContainerUpdateResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Top(HttpContext context, string id, ContainerService containers)
    {
        TopResponse top = await containers.TopAsync(containers.Get(id), context.Request.Query["ps_args"], context.RequestAborted);
        await context.Response.WriteAsJsonAsync(top, StatsJsonContext.Default.TopResponse, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>h= and w= of a resize: the terminal's rows and columns.</summary>
    internal static (ushort Rows, ushort Columns) Size(HttpContext context)
    {
        static ushort Parse(HttpContext context, string name) =>
            ushort.TryParse(context.Request.Query[name], NumberStyles.None, CultureInfo.InvariantCulture, out ushort n)
                ? n
                : throw ApiException.BadRequest($"invalid value for {name}: \"{context.Request.Query[name]}\": not a number from 0 to 65535");
        return (Parse(context, "h"), Parse(context, "w"));
    }

    /// <summary>POST /containers/{id}/resize: the size of the container's terminal (the library's IProcess.ResizeTerminal).</summary>
    private static Task Resize(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        (ushort rows, ushort columns) = Size(context);
        if (!entry.IsRunning || entry.Runtime is not { } container)
        {
            throw ApiException.Conflict($"Container {entry.Record.Id} is not running");
        }
        if (!entry.Record.Config.Tty)
        {
            throw ApiException.BadRequest($"Container {entry.Record.Id} has no terminal (it was created without -t)");
        }
        try
        {
            container.InitProcess.ResizeTerminal(rows, columns);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ContainerException)
        {
            throw ApiException.Conflict($"Cannot resize container {entry.Record.Id}: {ex.Message}");
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    /// <summary>
    /// docker stats: a sample a second while stream=true (the default); stream=false waits for a second
    /// sample so that precpu_stats is filled (the CLI's CPU % needs two), one-shot=true answers the first.
    /// </summary>
    private static async Task Stats(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        bool stream = context.Request.Query.ContainsKey("stream") ? ContainerEndpoints.Bool(context, "stream") : true;
        bool oneShot = ContainerEndpoints.Bool(context, "one-shot");
        if (stream && oneShot)
        {
            throw ApiException.BadRequest("cannot have stream=true and one-shot=true");
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        StatsResponse? previous = null;
        bool prime = !stream && !oneShot && entry.IsRunning;
        try
        {
            while (true)
            {
                StatsResponse sample = await containers.SampleStatsAsync(entry, context.RequestAborted);
                if (previous is not null)
                {
                    sample = sample with { PreCpuStats = previous.CpuStats, PreRead = previous.Read };
                }
                previous = sample;
                if (prime)
                {
                    prime = false;
                }
                else
                {
                    await JsonSerializer.SerializeAsync(context.Response.Body, sample, StatsJsonContext.Default.StatsResponse, context.RequestAborted);
                    await context.Response.Body.WriteAsync("\n"u8.ToArray(), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    if (!stream)
                    {
                        return;
                    }
                }
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client stopped reading.
        }
    }
}

using System.Text.Json;
using Lcd.Containers;
using Lcd.Graph;
using Microsoft.AspNetCore.Http.Features;

namespace Lcd.Api;

/// <summary>
/// A container's filesystem: docker diff (GET /containers/ID/changes), commit (POST /commit), export
/// (GET /containers/ID/export) and cp (HEAD, GET and PUT /containers/ID/archive). Paths are resolved
/// inside the container's root by the graph driver (<see cref="ContainerFiles"/>: openat2 RESOLVE_IN_ROOT),
/// so a symlink or <c>..</c> never reaches the host. cp and export mount the root filesystem while they
/// run (<see cref="RootfsDriver.Use"/>), so they work on running and stopped containers alike; diff and
/// commit read the container's upper directory.
/// </summary>
internal static partial class ArchiveEndpoints
{
    /// <summary>The X-Docker-Container-Path-Stat header: base64 JSON of the path's stat.</summary>
    public const string PathStatHeader = "X-Docker-Container-Path-Stat";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/containers/{id}/changes", Changes);
        app.MapGet("/containers/{id}/export", Export);
        app.MapMethods("/containers/{id}/archive", ["HEAD"], StatPath);
        app.MapGet("/containers/{id}/archive", GetArchive);
        app.MapPut("/containers/{id}/archive", PutArchive);
        app.MapPost("/commit", Commit);
    }

    private static RootfsUse RootfsOf(ContainerService containers, ContainerEntry entry) => containers.Rootfs.Use(entry.Record.Id);

    private static async Task Changes(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        IReadOnlyList<Change> changes;
        try
        {
            changes = ContainerChanges.Diff(containers.Images, containers.Rootfs, entry.Record.Id);
        }
        catch (GraphException ex) when (ex is not GraphIOException)
        {
            throw ApiException.BadRequest(ex.Message);
        }
        List<ContainerChangeItem> items = changes.Select(c => new ContainerChangeItem(c.Path, (int)c.Kind)).ToList();
        await context.Response.WriteAsJsonAsync(items, ImageTransferJsonContext.Default.ListContainerChangeItem, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Commit(HttpContext context, ContainerService containers)
    {
        string? container = context.Request.Query["container"];
        if (string.IsNullOrEmpty(container))
        {
            throw ApiException.BadRequest("container: a container name or id is required");
        }
        ContainerEntry entry = containers.Get(container);
        string? repo = context.Request.Query["repo"];
        string? tag = context.Request.Query["tag"];
        ImageReference? name = null;
        if (!string.IsNullOrEmpty(repo))
        {
            string target = string.IsNullOrEmpty(tag) ? repo : $"{repo}:{tag}";
            if (!ImageReference.TryParse(target, out name) || name!.Digest is not null)
            {
                throw ApiException.BadRequest($"invalid reference format: \"{target}\"");
            }
        }
        else if (!string.IsNullOrEmpty(tag))
        {
            throw ApiException.BadRequest("tag: a tag needs a repository (repo)");
        }
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = JsonBody.MaxBytes;
        ContainerConfig? body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.Length == 0 ? null : JsonSerializer.Deserialize(buffer.ToArray(), ImageTransferJsonContext.Default.ContainerConfig);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"invalid JSON in the request body: {ex.Message}");
        }
        List<string> changes = context.Request.Query["changes"].Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).ToList();
        string? pauseValue = context.Request.Query["pause"];
        bool pause = string.IsNullOrEmpty(pauseValue) || ContainerEndpoints.Bool(context, "pause"); // Docker pauses unless told not to
        ImageRecord image;
        try
        {
            image = await containers.CommitAsync(entry, name, context.Request.Query["author"], context.Request.Query["comment"], changes, pause, body, context.RequestAborted);
        }
        catch (GraphException ex) when (ex is not GraphIOException)
        {
            throw ApiException.BadRequest(ex.Message);
        }
        ILogger logger = Logger(context);
        LogCommitted(logger, entry.Record.Id, image.Id, name);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new CommitResponse(image.Id), ImageTransferJsonContext.Default.CommitResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Export(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        using RootfsUse rootfs = RootfsOf(containers, entry);
        context.Response.ContentType = "application/x-tar";
        await WriteSyncAsync(context, output => ContainerFiles.Export(rootfs.Path, output));
    }

    private static string RequiredPath(HttpContext context)
    {
        string? path = context.Request.Query["path"];
        return string.IsNullOrEmpty(path) ? throw ApiException.BadRequest("path: a path in the container is required") : path;
    }

    private static PathStat Stat(HttpContext context, string id, string rootfs, string path)
    {
        try
        {
            PathStat stat = ContainerFiles.Stat(rootfs, path);
            var json = new ContainerPathStat(stat.Name, stat.Size, stat.Mode, stat.Mtime, stat.LinkTarget);
            context.Response.Headers[PathStatHeader] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(json, ImageTransferJsonContext.Default.ContainerPathStat));
            return stat;
        }
        catch (GraphIOException ex) when (ex.Errno is 2 /* ENOENT */ or 20 /* ENOTDIR */)
        {
            throw ApiException.NotFound($"Could not find the file {path} in container {id}");
        }
    }

    private static Task StatPath(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        string path = RequiredPath(context);
        using RootfsUse rootfs = RootfsOf(containers, entry);
        _ = Stat(context, id, rootfs.Path, path);
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    private static async Task GetArchive(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        string path = RequiredPath(context);
        using RootfsUse rootfs = RootfsOf(containers, entry);
        _ = Stat(context, id, rootfs.Path, path);
        context.Response.ContentType = "application/x-tar";
        await WriteSyncAsync(context, output => ContainerFiles.WriteArchive(rootfs.Path, path, output));
    }

    private static async Task PutArchive(HttpContext context, string id, ContainerService containers)
    {
        ContainerEntry entry = containers.Get(id);
        string path = RequiredPath(context);
        if (entry.Record.HostConfig.ReadonlyRootfs)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "container rootfs is marked read-only");
        }
        using RootfsUse rootfs = RootfsOf(containers, entry);
        bool keepOwners = ContainerEndpoints.Bool(context, "copyUIDGID");
        long limit = containers.Images.Options.Unpack.MaxLayerSize;
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null; // bounded by the unpack limit while read
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        try
        {
            await Task.Run(() => ContainerFiles.Extract(rootfs.Path, path, context.Request.Body, keepOwners, limit, context.RequestAborted), context.RequestAborted);
        }
        catch (GraphIOException ex) when (ex.Errno is 2 /* ENOENT */)
        {
            throw ApiException.NotFound($"Could not find the file {path} in container {id}");
        }
        catch (GraphIOException ex) when (ex.Errno is 20 /* ENOTDIR */ && ex.Syscall == "openat2")
        {
            throw ApiException.BadRequest($"extraction point is not a directory: {path}");
        }
        catch (LayerException ex)
        {
            LogCopyRefused(Logger(context), entry.Record.Id, path, ex.Message);
            throw ApiException.BadRequest($"copy into {path} refused: {ex.Message}");
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Runs a synchronous tar writer on a worker thread against the response body.</summary>
    private static Task WriteSyncAsync(HttpContext context, Action<Stream> write)
    {
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        return Task.Run(() => write(context.Response.Body), context.RequestAborted);
    }

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Lcd.Containers");

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Container {ContainerId} committed as image {ImageId} ({Name})")]
    private static partial void LogCommitted(ILogger logger, string containerId, string imageId, ImageReference? name);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "Container {ContainerId}: copy into {Path} refused: {Reason}")]
    private static partial void LogCopyRefused(ILogger logger, string containerId, string path, string reason);
}

using System.Globalization;
using Lcd.Containers;
using Lcd.Graph;
using Lcd.Volumes;

namespace Lcd.Api;

/// <summary>
/// GET /system/df and the prune calls `docker system prune` makes in turn: containers (stopped
/// ones), networks (unused user-defined ones), volumes (with --volumes), images (dangling ones, or
/// every unused one with -a) and the build cache (lcd has no builder: always empty).
/// </summary>
internal static class DiskUsageEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/system/df", DiskUsage);
        app.MapPost("/containers/prune", PruneContainers);
        // /images/prune, which docker system prune calls too: ImageTransferEndpoints.
        app.MapPost("/build/prune", () => Results.Json(new BuildPruneResponse([], 0), DiskUsageJsonContext.Default.BuildPruneResponse));
    }

    private static long ContainerSize(ContainerService containers, string id) =>
        containers.Rootfs.Kind == RootfsDriverKind.Copy
            ? VolumeStore.DirectorySize(new DirectoryInfo(Path.Combine(containers.Rootfs.ContainerDirectory(id), "merged")))
            : VolumeStore.DirectorySize(new DirectoryInfo(containers.Rootfs.UpperDirectory(id)));

    private static long ImageSize(ImageStore images, ImageRecord image) => images.GetManifest(image).Layers.Sum(l => l.Size);

    private static async Task DiskUsage(HttpContext context, ContainerService containers, ImageStore images)
    {
        List<ContainerEntry> entries = [.. containers.List()];
        var imageList = new List<ImageSummary>();
        long layers = 0;
        foreach (ImageRecord image in images.List())
        {
            Lcd.Graph.Oci.ImageConfig config = images.GetConfig(image);
            long size = ImageSize(images, image);
            layers += size;
            imageList.Add(new ImageSummary
            {
                Id = image.Id,
                RepoTags = [.. images.NamesOf(image.Id).Select(n => ImageReference.Parse(n)).Where(r => r.Tag is not null).Select(r => r.FamiliarName)],
                RepoDigests = [],
                Created = config.Created is { } created ? DateTimeOffset.Parse(created, CultureInfo.InvariantCulture).ToUnixTimeSeconds() : 0,
                Size = size,
                VirtualSize = size,
                SharedSize = 0,
                Labels = config.Config?.Labels ?? [],
                Containers = entries.Count(e => e.Record.Image == image.Id),
            });
        }
        var containerList = new List<DiskUsageContainerJson>();
        foreach (ContainerEntry entry in entries)
        {
            ContainerRecord r = entry.Record;
            long rw = ContainerSize(containers, r.Id);
            ImageRecord? image = images.Find(r.Image);
            containerList.Add(new DiskUsageContainerJson
            {
                Id = r.Id,
                Names = [r.Name],
                Image = r.Config.Image ?? "",
                ImageID = r.Image,
                Command = string.Join(' ', [r.Path, .. r.Args]),
                Created = DateTimeOffset.Parse(r.Created, CultureInfo.InvariantCulture).ToUnixTimeSeconds(),
                SizeRw = rw,
                SizeRootFs = rw + (image is null ? 0 : ImageSize(images, image)),
                Labels = r.Config.Labels ?? [],
                State = r.State.Status,
                Status = ContainerEndpoints.HumanStatus(r.State),
                Mounts = r.MountPoints ?? [],
            });
        }
        var volumeList = new List<VolumeJson>();
        foreach (VolumeRecord volume in containers.Volumes.List())
        {
            volumeList.Add(containers.Volumes.ToJson(volume, new VolumeUsageJson(containers.Volumes.Size(volume.Name), containers.VolumeUsers(volume.Name).Count)));
        }
        var body = new DiskUsageResponse { LayersSize = layers, Images = imageList, Containers = containerList, Volumes = volumeList, BuildCache = [] };
        await context.Response.WriteAsJsonAsync(body, DiskUsageJsonContext.Default.DiskUsageResponse, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>docker container prune: every container that is not running (their anonymous volumes stay, as dockerd keeps them).</summary>
    private static async Task PruneContainers(HttpContext context, ContainerService containers)
    {
        Dictionary<string, List<string>> filters = Filters.Parse(context.Request.Query["filters"], "label", "until");
        if (filters.ContainsKey("until"))
        {
            throw ApiException.BadRequest("the until filter is not supported by lcd");
        }
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (ContainerEntry entry in containers.List().Where(e => !e.IsRunning))
        {
            if (filters.TryGetValue("label", out List<string>? labels) && !labels.All(l => Filters.LabelMatches(l, entry.Record.Config.Labels)))
            {
                continue;
            }
            long size = ContainerSize(containers, entry.Record.Id);
            try
            {
                await containers.RemoveAsync(entry, force: false, context.RequestAborted);
            }
            catch (ApiException ex) when (ex.StatusCode == StatusCodes.Status409Conflict)
            {
                continue; // started meanwhile
            }
            deleted.Add(entry.Record.Id);
            reclaimed += size;
        }
        await context.Response.WriteAsJsonAsync(new ContainerPruneResponse(deleted, reclaimed), DiskUsageJsonContext.Default.ContainerPruneResponse, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>docker image prune: images without a name (with dangling=false, -a: every image) that no container uses; then the unused layers and blobs go.</summary>
}

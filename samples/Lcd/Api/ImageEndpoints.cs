using System.Globalization;
using Lcd.Graph;

namespace Lcd.Api;

/// <summary>The /images group: docker images, image inspect, tag, rmi (names may hold slashes: localhost:5000/app:1).</summary>
internal static class ImageEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/images/json", List);
        app.MapGet("/images/{**path}", (HttpContext context, string path, ImageStore images) =>
            path.EndsWith("/json", StringComparison.Ordinal) ? Inspect(context, path[..^"/json".Length], images) : ImageTransferEndpoints.Get(context, path, images));
        app.MapPost("/images/{**path}", (HttpContext context, string path, ImageStore images) =>
            path.EndsWith("/tag", StringComparison.Ordinal) ? Tag(context, path[..^"/tag".Length], images) : ImageTransferEndpoints.Post(context, path, images));
        app.MapDelete("/images/{**name}", Remove);
    }

    private static ImageRecord Find(ImageStore images, string name) =>
        images.Find(name) ?? throw ApiException.NotFound($"No such image: {name}");

    private static List<string> Tags(ImageStore images, ImageRecord image) =>
        images.NamesOf(image.Id).Select(n => ImageReference.Parse(n)).Where(r => r.Tag is not null).Select(r => r.FamiliarName).ToList();

    private static long Size(ImageStore images, ImageRecord image) => images.GetManifest(image).Layers.Sum(l => l.Size);

    private static async Task List(HttpContext context, ImageStore images)
    {
        var list = new List<ImageSummary>();
        foreach (ImageRecord image in images.List())
        {
            Lcd.Graph.Oci.ImageConfig config = images.GetConfig(image);
            long size = Size(images, image);
            list.Add(new ImageSummary
            {
                Id = image.Id,
                RepoTags = Tags(images, image),
                RepoDigests = ImageTransferEndpoints.RepoDigests(images, image),
                Created = config.Created is { } created ? DateTimeOffset.Parse(created, CultureInfo.InvariantCulture).ToUnixTimeSeconds() : 0,
                Size = size,
                VirtualSize = size,
                Labels = config.Config?.Labels ?? [],
            });
        }
        await context.Response.WriteAsJsonAsync(list, ImageJsonContext.Default.ListImageSummary, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Inspect(HttpContext context, string name, ImageStore images)
    {
        ImageRecord image = Find(images, name);
        Lcd.Graph.Oci.ImageConfig config = images.GetConfig(image);
        long size = Size(images, image);
        var body = new ImageInspectResponse
        {
            Id = image.Id,
            RepoTags = Tags(images, image),
            RepoDigests = ImageTransferEndpoints.RepoDigests(images, image),
            Created = config.Created ?? "",
            Author = config.Author ?? "",
            Comment = config.History?.LastOrDefault()?.Comment ?? "",
            Architecture = config.Architecture,
            Os = config.Os,
            Size = size,
            VirtualSize = size,
            Config = config.Config,
            RootFS = new ImageRootFs(config.RootFs.Type, config.RootFs.DiffIds),
        };
        await context.Response.WriteAsJsonAsync(body, ImageJsonContext.Default.ImageInspectResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Tag(HttpContext context, string name, ImageStore images)
    {
        ImageRecord image = Find(images, name);
        string? repo = context.Request.Query["repo"];
        string? tag = context.Request.Query["tag"];
        if (string.IsNullOrEmpty(repo))
        {
            throw ApiException.BadRequest("repository name must have at least one component");
        }
        string target = string.IsNullOrEmpty(tag) ? repo : $"{repo}:{tag}";
        if (!ImageReference.TryParse(target, out ImageReference? reference))
        {
            throw ApiException.BadRequest($"invalid reference format: \"{target}\"");
        }
        await images.TagAsync(image.Id, reference!, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status201Created;
    }

    private static async Task Remove(HttpContext context, string name, ImageStore images)
    {
        _ = Find(images, name);
        IReadOnlyList<string> done;
        try
        {
            done = await images.RemoveAsync(name, ContainerEndpoints.Bool(context, "force"), context.RequestAborted);
        }
        catch (GraphException ex) when (ex.Message.StartsWith("conflict", StringComparison.Ordinal))
        {
            throw ApiException.Conflict(ex.Message);
        }
        List<ImageDeleteItem> items = done.Select(line => line.StartsWith("Untagged: ", StringComparison.Ordinal)
            ? new ImageDeleteItem(line["Untagged: ".Length..], null)
            : new ImageDeleteItem(null, line["Deleted: ".Length..])).ToList();
        if (items.Any(i => i.Deleted is not null))
        {
            // As dockerd: an image's layers no other image uses go with it (and are listed as deleted).
            (_, IReadOnlyList<Digest> layers) = await images.GarbageCollectAsync(context.RequestAborted);
            items.AddRange(layers.Select(layer => new ImageDeleteItem(null, layer.ToString())));
        }
        await context.Response.WriteAsJsonAsync(items, ImageJsonContext.Default.ListImageDeleteItem, contentType: "application/json", context.RequestAborted);
    }
}

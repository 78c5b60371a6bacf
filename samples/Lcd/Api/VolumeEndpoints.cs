using Lcd.Containers;
using Lcd.Volumes;

namespace Lcd.Api;

/// <summary>The /volumes group: docker volume create, ls, inspect, rm, prune (the local driver, under the data root).</summary>
internal static class VolumeEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/volumes");
        group.MapGet("", List);
        group.MapPost("/create", Create);
        group.MapPost("/prune", Prune);
        group.MapGet("/{name}", Inspect);
        group.MapDelete("/{name}", Remove);
    }

    private static async Task List(HttpContext context, ContainerService containers)
    {
        Dictionary<string, List<string>> filters = Filters.Parse(context.Request.Query["filters"], "name", "label", "dangling", "driver");
        var list = new List<VolumeJson>();
        foreach (VolumeRecord volume in containers.Volumes.List())
        {
            bool matches = filters.All(f => f.Key switch
            {
                "name" => f.Value.Any(v => volume.Name.Contains(v, StringComparison.Ordinal)),
                "label" => f.Value.Any(v => Filters.LabelMatches(v, volume.Labels)),
                "dangling" => f.Value.Any(v => (v is "true" or "1") == (containers.VolumeUsers(volume.Name).Count == 0)),
                "driver" => f.Value.Contains("local"),
                _ => true,
            });
            if (matches)
            {
                list.Add(containers.Volumes.ToJson(volume));
            }
        }
        await context.Response.WriteAsJsonAsync(new VolumeListResponse(list, []), VolumeJsonContext.Default.VolumeListResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Create(HttpContext context, ContainerService containers)
    {
        VolumeCreateRequest request = await NetworkEndpoints.ReadBodyAsync(context, VolumeJsonContext.Default.VolumeCreateRequest);
        if (request.Driver is { Length: > 0 } driver && driver != "local")
        {
            throw ApiException.NotFound($"error looking up volume plugin {driver}: plugin \"{driver}\" not found");
        }
        VolumeRecord volume = containers.Volumes.Create(request.Name, request.Labels, request.DriverOpts, anonymous: false, out _);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(containers.Volumes.ToJson(volume), VolumeJsonContext.Default.VolumeJson, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Inspect(HttpContext context, string name, ContainerService containers)
    {
        VolumeRecord volume = containers.Volumes.Get(name);
        await context.Response.WriteAsJsonAsync(containers.Volumes.ToJson(volume), VolumeJsonContext.Default.VolumeJson, contentType: "application/json", context.RequestAborted);
    }

    private static Task Remove(HttpContext context, string name, ContainerService containers)
    {
        containers.RemoveVolume(name, ContainerEndpoints.Bool(context, "force"));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static async Task Prune(HttpContext context, ContainerService containers)
    {
        Dictionary<string, List<string>> filters = Filters.Parse(context.Request.Query["filters"], "label", "all");
        VolumePruneResponse response = PruneVolumes(containers, filters);
        await context.Response.WriteAsJsonAsync(response, VolumeJsonContext.Default.VolumePruneResponse, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>docker volume prune (API 1.41: every local volume no container uses, named ones too, as dockerd 20.10).</summary>
    internal static VolumePruneResponse PruneVolumes(ContainerService containers, Dictionary<string, List<string>> filters)
    {
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (VolumeRecord volume in containers.Volumes.List())
        {
            if (filters.TryGetValue("label", out List<string>? labels) && !labels.All(l => Filters.LabelMatches(l, volume.Labels)))
            {
                continue;
            }
            if (containers.VolumeUsers(volume.Name).Count != 0)
            {
                continue;
            }
            long size = containers.Volumes.Size(volume.Name);
            containers.Volumes.Remove(volume.Name);
            deleted.Add(volume.Name);
            reclaimed += size;
        }
        return new VolumePruneResponse(deleted, reclaimed);
    }
}

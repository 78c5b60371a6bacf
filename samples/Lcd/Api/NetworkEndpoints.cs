using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Lcd.Containers;
using Lcd.Network;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;
using Endpoint = Lcd.Network.Sandboxes.Endpoint;

namespace Lcd.Api;

/// <summary>
/// The /networks group: docker network ls, inspect, create, rm, connect, disconnect, prune. The
/// bridge networks are the network driver's; "host" and "none" are listed as dockerd lists them.
/// </summary>
internal static class NetworkEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/networks");
        group.MapGet("", List);
        group.MapGet("/{id}", Inspect);
        group.MapPost("/create", Create);
        group.MapDelete("/{id}", Remove);
        group.MapPost("/{id}/connect", Connect);
        group.MapPost("/{id}/disconnect", Disconnect);
        group.MapPost("/prune", Prune);
    }

    internal static async Task<T> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> type) =>
        await JsonBody.ReadAsync(context, type) ?? throw ApiException.BadRequest("the request body is empty");

    private static NetworkResourceJson Resource(NetworkDefinition network, ContainerService containers, IReadOnlyList<NetworkSandbox> sandboxes)
    {
        var members = new Dictionary<string, NetworkContainerJson>(StringComparer.Ordinal);
        foreach (NetworkSandbox sandbox in sandboxes)
        {
            foreach (Endpoint endpoint in sandbox.Endpoints.Where(e => e.NetworkId == network.Id))
            {
                members[sandbox.ContainerId] = new NetworkContainerJson(sandbox.Name, Networking.EndpointId(sandbox.ContainerId, network.Id), endpoint.Mac ?? "", endpoint.Address, "");
            }
        }
        return new NetworkResourceJson
        {
            Name = network.Name,
            Id = network.Id,
            Created = network.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            Driver = "bridge",
            IPAM = new IpamJson { Driver = "default", Config = [new IpamConfigJson { Subnet = network.Subnet, Gateway = network.Gateway }] },
            Containers = members,
            Options = network.IsDefault
                ? new Dictionary<string, string> { ["com.docker.network.bridge.default_bridge"] = "true", ["com.docker.network.bridge.name"] = network.Bridge }
                : new Dictionary<string, string> { ["com.docker.network.bridge.name"] = network.Bridge },
            Labels = network.Labels ?? [],
        };
    }

    private static NetworkResourceJson Predefined(string name, ContainerService containers, IReadOnlyList<NetworkSandbox> sandboxes)
    {
        NetworkMode mode = name == "host" ? NetworkMode.Host : NetworkMode.None;
        var members = new Dictionary<string, NetworkContainerJson>(StringComparer.Ordinal);
        foreach (NetworkSandbox sandbox in sandboxes.Where(s => s.Mode == mode))
        {
            members[sandbox.ContainerId] = new NetworkContainerJson(sandbox.Name, Networking.EndpointId(sandbox.ContainerId, Networking.PredefinedId(name)), "", "", "");
        }
        return new NetworkResourceJson
        {
            Name = name,
            Id = Networking.PredefinedId(name),
            Created = "1970-01-01T00:00:00Z",
            Driver = name == "host" ? "host" : "null",
            IPAM = new IpamJson { Driver = "default", Config = [] },
            Containers = members,
            Options = [],
            Labels = [],
        };
    }

    private static List<NetworkResourceJson> All(ContainerService containers)
    {
        IReadOnlyList<NetworkSandbox> sandboxes = containers.Network.ListSandboxes();
        return [.. containers.Network.ListNetworks().Select(n => Resource(n, containers, sandboxes)), .. Networking.Predefined.Select(n => Predefined(n, containers, sandboxes))];
    }

    private static async Task List(HttpContext context, ContainerService containers)
    {
        Dictionary<string, List<string>> filters = Filters(context);
        List<NetworkResourceJson> list = All(containers).Where(n => Matches(n, filters)).ToList();
        await context.Response.WriteAsJsonAsync(list, NetworkApiJsonContext.Default.ListNetworkResourceJson, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>docker network ls --filter: name (substring), id (prefix), driver, label, type (builtin/custom), dangling.</summary>
    private static Dictionary<string, List<string>> Filters(HttpContext context) =>
        Api.Filters.Parse(context.Request.Query["filters"], "name", "id", "driver", "label", "type", "dangling", "scope");

    private static bool Matches(NetworkResourceJson n, Dictionary<string, List<string>> filters) => filters.All(f => f.Key switch
    {
        "name" => f.Value.Any(v => n.Name.Contains(v, StringComparison.Ordinal)),
        "id" => f.Value.Any(v => n.Id.StartsWith(v, StringComparison.Ordinal)),
        "driver" => f.Value.Contains(n.Driver),
        "label" => f.Value.Any(v => Api.Filters.LabelMatches(v, n.Labels)),
        "type" => f.Value.Any(v => v == (IsBuiltin(n) ? "builtin" : "custom")),
        "dangling" => f.Value.Any(v => (v is "true" or "1") == (n.Containers.Count == 0 && !IsBuiltin(n))),
        _ => true,
    });

    private static bool IsBuiltin(NetworkResourceJson n) => n.Name is "bridge" or "host" or "none";

    private static NetworkResourceJson Find(ContainerService containers, string id)
    {
        List<NetworkResourceJson> all = All(containers);
        return all.FirstOrDefault(n => n.Name == id || n.Id == id)
            ?? (all.Where(n => n.Id.StartsWith(id, StringComparison.Ordinal)).ToList() is [NetworkResourceJson one] ? one : null)
            ?? throw ApiException.NotFound($"network {id} not found");
    }

    private static async Task Inspect(HttpContext context, string id, ContainerService containers)
    {
        await context.Response.WriteAsJsonAsync(Find(containers, id), NetworkApiJsonContext.Default.NetworkResourceJson, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Create(HttpContext context, ContainerService containers)
    {
        NetworkCreateRequest request = await ReadBodyAsync(context, NetworkApiJsonContext.Default.NetworkCreateRequest);
        if (string.IsNullOrEmpty(request.Name))
        {
            throw ApiException.BadRequest("a network needs a name");
        }
        if (request.Name is "bridge" or "host" or "none")
        {
            throw new ApiException(StatusCodes.Status403Forbidden, $"{request.Name} is a pre-defined network and cannot be created");
        }
        if (request.Driver is { Length: > 0 } driver && driver != "bridge")
        {
            throw ApiException.BadRequest($"network driver '{driver}' is not supported by lcd (only bridge)");
        }
        if (request.EnableIPv6 || request.Internal)
        {
            throw ApiException.BadRequest($"network '{request.Name}': {(request.EnableIPv6 ? "IPv6" : "internal networks")} are not supported by lcd");
        }
        if (containers.Network.ListNetworks().Any(n => n.Name == request.Name))
        {
            throw ApiException.Conflict($"network with name {request.Name} already exists");
        }
        List<IpamConfigJson> ipam = request.IPAM?.Config ?? [];
        if (ipam.Count > 1)
        {
            throw ApiException.BadRequest($"network '{request.Name}': one IPAM config (subnet) at most is supported by lcd");
        }
        IpamConfigJson? config = ipam.FirstOrDefault();
        if (config is not null && (!string.IsNullOrEmpty(config.IPRange) || config.AuxiliaryAddresses is { Count: > 0 }))
        {
            throw ApiException.BadRequest($"network '{request.Name}': --ip-range and --aux-address are not supported by lcd");
        }
        if (config?.Gateway is { Length: > 0 } && string.IsNullOrEmpty(config.Subnet))
        {
            throw ApiException.BadRequest("a gateway needs a subnet (--subnet)");
        }
        NetworkDefinition network;
        try
        {
            network = await containers.Network.CreateNetworkAsync(new NetworkCreateOptions
            {
                Name = request.Name,
                Subnet = string.IsNullOrEmpty(config?.Subnet) ? null : config.Subnet,
                Gateway = string.IsNullOrEmpty(config?.Gateway) ? null : config.Gateway,
                Labels = request.Labels,
            }, context.RequestAborted);
        }
        catch (NetworkConflictException ex)
        {
            // The name was checked above: what is left is an overlapping subnet or an empty pool, bad parameters for dockerd too.
            throw ApiException.BadRequest(ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw ApiException.BadRequest(ex.Message);
        }
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new NetworkCreateResponse(network.Id, ""), NetworkApiJsonContext.Default.NetworkCreateResponse, contentType: "application/json", context.RequestAborted);
    }

    private static async Task Remove(HttpContext context, string id, ContainerService containers)
    {
        NetworkResourceJson network = Find(containers, id);
        if (IsBuiltin(network))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, $"{network.Name} is a pre-defined network and cannot be removed");
        }
        try
        {
            await containers.Network.RemoveNetworkAsync(network.Id, context.RequestAborted);
        }
        catch (NetworkConflictException ex)
        {
            throw ApiException.Conflict($"error while removing network: {ex.Message}");
        }
        catch (NetworkNotFoundException ex)
        {
            throw ApiException.NotFound(ex.Message);
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task Connect(HttpContext context, string id, ContainerService containers)
    {
        NetworkConnectRequest request = await ReadBodyAsync(context, NetworkApiJsonContext.Default.NetworkConnectRequest);
        NetworkResourceJson network = Find(containers, id);
        if (IsBuiltin(network) && network.Name != "bridge")
        {
            throw ApiException.BadRequest($"container cannot be connected to the {network.Name} network");
        }
        ContainerEntry entry = containers.Get(request.Container ?? throw ApiException.BadRequest("connect needs a container"));
        await containers.ConnectAsync(entry, network.Name, request.EndpointConfig?.Aliases, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task Disconnect(HttpContext context, string id, ContainerService containers)
    {
        NetworkDisconnectRequest request = await ReadBodyAsync(context, NetworkApiJsonContext.Default.NetworkDisconnectRequest);
        NetworkResourceJson network = Find(containers, id);
        if (IsBuiltin(network) && network.Name != "bridge")
        {
            throw ApiException.BadRequest($"container cannot be disconnected from the {network.Name} network");
        }
        ContainerEntry entry = containers.Get(request.Container ?? throw ApiException.BadRequest("disconnect needs a container"));
        await containers.DisconnectAsync(entry, network.Name, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task Prune(HttpContext context, ContainerService containers)
    {
        List<string> deleted = await PruneAsync(containers, context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new NetworkPruneResponse(deleted), NetworkApiJsonContext.Default.NetworkPruneResponse, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>docker network prune: every user-defined network no running container is on.</summary>
    internal static async Task<List<string>> PruneAsync(ContainerService containers, CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        foreach (NetworkDefinition network in containers.Network.ListNetworks().Where(n => !n.IsDefault))
        {
            try
            {
                await containers.Network.RemoveNetworkAsync(network.Id, cancellationToken);
                deleted.Add(network.Name);
            }
            catch (NetworkConflictException)
            {
                // In use: kept.
            }
        }
        return deleted;
    }
}

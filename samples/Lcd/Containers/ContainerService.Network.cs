using Lcd.Api;
using Lcd.Graph;
using Lcd.Network;
using Lcd.Network.Cni;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;
using Endpoint = Lcd.Network.Sandboxes.Endpoint;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>
    /// docker create's network part: the mode (HostConfig.NetworkMode: default, bridge, none, host,
    /// container:ID or a network's name) checked now as far as dockerd checks it, and what the
    /// container joins at each start kept in its record. Published ports need a bridge network.
    /// </summary>
    private Dictionary<string, EndpointSettingsJson> ResolveNetworks(ContainerCreateRequest request, HostConfig host)
    {
        string mode = string.IsNullOrEmpty(host.NetworkMode) || host.NetworkMode == "default" ? "bridge" : host.NetworkMode;
        host.NetworkMode = host.NetworkMode is null or "" ? "default" : host.NetworkMode;
        bool bridged = mode is not ("none" or "host") && !mode.StartsWith("container:", StringComparison.Ordinal);
        if (!bridged && (host.PortBindings is { Count: > 0 } || host.PublishAllPorts))
        {
            throw ApiException.BadRequest($"conflicting options: port publishing and the container type network mode ({mode})");
        }
        _ = Networking.Mappings(host, []); // the ports' syntax, before anything is made
        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            ContainerEntry joined = Get(mode["container:".Length..]);
            host.NetworkMode = "container:" + joined.Record.Id;
            return [];
        }
        if (!bridged)
        {
            return new Dictionary<string, EndpointSettingsJson> { [mode] = new EndpointSettingsJson { NetworkID = Networking.PredefinedId(mode) } };
        }
        // An unknown network is refused at start (404), not here, as dockerd does: the docker CLI reads a
        // 404 from create as a missing image and would try to pull it.
        NetworkDefinition? network = Network.ListNetworks().FirstOrDefault(n => n.Name == mode || n.Id == mode);
        string name = network?.Name ?? mode;
        EndpointSettingsJson? wanted = request.NetworkingConfig?.EndpointsConfig?.GetValueOrDefault(mode)
            ?? request.NetworkingConfig?.EndpointsConfig?.GetValueOrDefault(name);
        return new Dictionary<string, EndpointSettingsJson>
        {
            [name] = new EndpointSettingsJson { NetworkID = network?.Id ?? "", Aliases = wanted?.Aliases is { Count: > 0 } aliases ? [.. aliases] : null },
        };
    }

    internal NetworkDefinition FindNetwork(string nameOrId)
    {
        try
        {
            return Network.InspectNetwork(nameOrId);
        }
        catch (NetworkNotFoundException)
        {
            throw ApiException.NotFound($"network {nameOrId} not found");
        }
    }

    /// <summary>
    /// At start: the container's network sandbox (a namespace of its own on its networks with its
    /// published ports, or none, host, another container's), applied to the spec with the hosts,
    /// hostname and resolv.conf files. Nothing is left when it fails.
    /// </summary>
    private async Task AttachNetworkAsync(ContainerEntry entry, ImageRunSpec run, CancellationToken cancellationToken)
    {
        ContainerRecord record = entry.Record;
        string mode = record.HostConfig.NetworkMode is null or "" or "default" ? "bridge" : record.HostConfig.NetworkMode;
        List<string> networks;
        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            ContainerEntry joined = Get(mode["container:".Length..]);
            if (!joined.IsRunning)
            {
                throw ApiException.Conflict($"cannot join network of a non running container: {joined.Record.Id}");
            }
            networks = ["container:" + joined.Record.Id];
        }
        else if (mode is "none" or "host")
        {
            networks = [mode];
        }
        else
        {
            networks = [.. (record.Networks ?? []).Keys];
            if (networks.Count == 0)
            {
                networks = [mode];
            }
            foreach (string name in networks)
            {
                _ = FindNetwork(name); // 404 with dockerd's words
            }
        }
        IEnumerable<string> exposed = (record.Config.ExposedPorts ?? []).Keys.Concat(run.ExposedPorts);
        var options = new AttachOptions
        {
            Name = record.Name.TrimStart('/'),
            Hostname = string.IsNullOrEmpty(record.Config.Hostname) ? null : record.Config.Hostname,
            Networks = networks,
            // Docker's aliases on user-defined networks: the short id, and those asked for.
            Aliases = [entry.ShortId, .. (record.Networks ?? []).Values.SelectMany(e => e.Aliases ?? [])],
            Ports = mode.StartsWith("container:", StringComparison.Ordinal) || mode is "none" or "host" ? [] : Networking.Mappings(record.HostConfig, exposed),
        };
        NetworkSandbox sandbox;
        try
        {
            sandbox = await Network.AttachAsync(record.Id, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw ToApiException(ex);
        }
        sandbox.ApplyTo(run.Spec);
    }

    /// <summary>The driver's refusals as the Engine API's statuses: unknown 404, conflict 409, bad input 400, a plugin's failure 500 with its message.</summary>
    internal static Exception ToApiException(Exception ex) => ex switch
    {
        NetworkNotFoundException => ApiException.NotFound(ex.Message),
        NetworkConflictException => ApiException.Conflict(ex.Message),
        ArgumentException => ApiException.BadRequest(ex.Message),
        CniException => new ApiException(StatusCodes.Status500InternalServerError, ex.Message),
        _ => ex,
    };

    /// <summary>At exit and at removal: CNI DEL of every attachment, the namespace and files gone. A container without a sandbox is fine.</summary>
    private async Task DetachNetworkAsync(string containerId)
    {
        if (!Network.ListSandboxes().Any(s => s.ContainerId == containerId))
        {
            return;
        }
        try
        {
            await Network.DetachAsync(containerId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CniException or NetworkConflictException or IOException or InvalidOperationException)
        {
            Log.NetworkDetachFailed(_logger, containerId, ex);
        }
    }

    /// <summary>
    /// At daemon start, after the records are loaded: the driver reconciles what a crash left (the
    /// sandbox of every container that is not running any more goes) and makes the default network.
    /// </summary>
    public async Task StartNetworkAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> removed = await Network.StartAsync(id =>
        {
            lock (_lock)
            {
                return _byId.TryGetValue(id, out ContainerEntry? entry) && entry.IsRunning;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (removed.Count != 0)
        {
            string list = string.Join(", ", removed);
            Log.NetworkReconciled(_logger, list);
        }
    }

    /// <summary>docker network connect: recorded for the next starts, and joined now when the container runs.</summary>
    public async Task ConnectAsync(ContainerEntry entry, string network, List<string>? aliases, CancellationToken cancellationToken)
    {
        NetworkDefinition definition = FindNetwork(network);
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ContainerRecord record = entry.Record;
            if (record.Networks is null || record.Networks.Keys.Any(k => k is "none" or "host") || record.HostConfig.NetworkMode?.StartsWith("container:", StringComparison.Ordinal) == true)
            {
                throw ApiException.BadRequest($"container {record.Id} has network mode {record.HostConfig.NetworkMode}: it cannot be connected to a network");
            }
            if (record.Networks.ContainsKey(definition.Name))
            {
                throw ApiException.Conflict($"endpoint with name {record.Name.TrimStart('/')} already exists in network {definition.Name}");
            }
            if (entry.IsRunning)
            {
                try
                {
                    await Network.ConnectAsync(record.Id, definition.Name, aliases, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    throw ToApiException(ex);
                }
            }
            record.Networks[definition.Name] = new EndpointSettingsJson { NetworkID = definition.Id, Aliases = aliases is { Count: > 0 } ? aliases : null };
            await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>docker network disconnect: the endpoint goes now (a running container keeps running) and from the record.</summary>
    public async Task DisconnectAsync(ContainerEntry entry, string network, CancellationToken cancellationToken)
    {
        NetworkDefinition definition = FindNetwork(network);
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ContainerRecord record = entry.Record;
            if (record.Networks is null || !record.Networks.ContainsKey(definition.Name))
            {
                throw ApiException.NotFound($"container {record.Id} is not connected to network {definition.Name}");
            }
            if (entry.IsRunning)
            {
                try
                {
                    await Network.DisconnectAsync(record.Id, definition.Name, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    throw ToApiException(ex);
                }
            }
            record.Networks.Remove(definition.Name);
            await SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The container's sandbox while it runs, else null.</summary>
    public NetworkSandbox? SandboxOf(string containerId) => Network.ListSandboxes().FirstOrDefault(s => s.ContainerId == containerId);

    /// <summary>inspect's NetworkSettings: the live endpoints and ports while it runs; the configured networks, without addresses, when it does not.</summary>
    public NetworkSettingsJson NetworkSettings(ContainerEntry entry, NetworkSandbox? sandbox)
    {
        ContainerRecord record = entry.Record;
        Dictionary<string, EndpointSettingsJson> networks = Endpoints(record, sandbox);
        var ports = new Dictionary<string, List<PortBindingJson>?>(StringComparer.Ordinal);
        if (sandbox is not null)
        {
            foreach (string exposed in (record.Config.ExposedPorts ?? []).Keys)
            {
                ports[exposed] = null;
            }
            foreach (PortMapping port in sandbox.Ports)
            {
                string key = $"{port.ContainerPort}/{port.Protocol}";
                List<PortBindingJson> list = ports.GetValueOrDefault(key) ?? [];
                list.Add(new PortBindingJson(port.HostIp.Length == 0 ? "0.0.0.0" : port.HostIp, port.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                ports[key] = list;
            }
        }
        EndpointSettingsJson? bridge = networks.GetValueOrDefault("bridge");
        return new NetworkSettingsJson
        {
            SandboxID = sandbox is null ? "" : Networking.EndpointId(record.Id, "sandbox"),
            SandboxKey = sandbox?.NetNs ?? "",
            Ports = ports,
            EndpointID = bridge?.EndpointID ?? "",
            Gateway = bridge?.Gateway ?? "",
            IPAddress = bridge?.IPAddress ?? "",
            IPPrefixLen = bridge?.IPPrefixLen ?? 0,
            MacAddress = bridge?.MacAddress ?? "",
            Networks = networks,
        };
    }

    /// <summary>NetworkSettings.Networks: each configured network, with its live endpoint when there is one.</summary>
    public static Dictionary<string, EndpointSettingsJson> Endpoints(ContainerRecord record, NetworkSandbox? sandbox)
    {
        var networks = new Dictionary<string, EndpointSettingsJson>(StringComparer.Ordinal);
        foreach ((string name, EndpointSettingsJson configured) in record.Networks ?? [])
        {
            Endpoint? live = sandbox?.Endpoints.FirstOrDefault(e => e.Network == name);
            networks[name] = live is null
                ? configured with { }
                : configured with
                {
                    EndpointID = Networking.EndpointId(record.Id, live.NetworkId),
                    Gateway = live.Gateway ?? "",
                    IPAddress = live.IpAddress,
                    IPPrefixLen = int.Parse(live.Address.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture),
                    MacAddress = live.Mac ?? "",
                    Aliases = name == "bridge" ? configured.Aliases : [.. live.Aliases],
                };
        }
        return networks;
    }

    /// <summary>docker ps's Ports: the published ones with their host side, the exposed ones without.</summary>
    public static List<PortSummaryJson> PortSummaries(ContainerRecord record, NetworkSandbox? sandbox)
    {
        var list = new List<PortSummaryJson>();
        foreach (PortMapping port in sandbox?.Ports ?? [])
        {
            list.Add(new PortSummaryJson { IP = port.HostIp.Length == 0 ? "0.0.0.0" : port.HostIp, PrivatePort = port.ContainerPort, PublicPort = port.HostPort, Type = port.Protocol });
        }
        foreach (string exposed in (record.Config.ExposedPorts ?? []).Keys)
        {
            // Checked at create; a record an older daemon stored with a malformed key does not break the list.
            if (Networking.TryParsePortKey(exposed) is not (int port, string protocol))
            {
                continue;
            }
            if (!list.Any(p => p.PrivatePort == port && p.Type == protocol))
            {
                list.Add(new PortSummaryJson { PrivatePort = port, Type = protocol });
            }
        }
        return list;
    }
}

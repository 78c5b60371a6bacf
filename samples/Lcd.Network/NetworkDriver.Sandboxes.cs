using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lcd.Network.Cni;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;

namespace Lcd.Network;

public sealed partial class NetworkDriver
{
    /// <summary>
    /// A container's network, made before the container: a namespace of its own (a netns file under
    /// the root, with lo up through the loopback plugin) joined to each network by the plugin chain,
    /// or <c>none</c>, <c>host</c>, <c>container:&lt;id&gt;</c>; the published ports on the first
    /// network; its hosts, hostname and resolv.conf. On any failure everything done is undone.
    /// </summary>
    public async Task<NetworkSandbox> AttachAsync(string containerId, AttachOptions options, CancellationToken cancellationToken = default)
    {
        if (!CniRuntime.IsSafeName(containerId))
        {
            throw new ArgumentException($"container id '{containerId}' is not valid: letters, digits, '_', '.', '-'");
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (LoadSandbox(containerId) is not null)
            {
                throw new NetworkConflictException($"container '{containerId}' is already attached");
            }
            (NetworkMode mode, NetworkSandbox? joined, List<NetworkDefinition> networks) = ResolveMode(options.Networks);
            if (options.Ports.Count != 0 && mode != NetworkMode.Bridge)
            {
                throw new ArgumentException($"published ports need a bridge network, not network mode {mode.ToString().ToLowerInvariant()}");
            }
            List<PortMapping> ports = ResolvePorts(options.Ports);
            string dir = Path.Combine(SandboxesDir, containerId);
            string hostname = options.Hostname ?? (mode == NetworkMode.Host ? Environment.MachineName : containerId[..Math.Min(12, containerId.Length)]);
            var sandbox = new NetworkSandbox
            {
                ContainerId = containerId,
                Name = options.Name ?? containerId,
                Mode = mode,
                JoinedContainer = joined?.ContainerId,
                NetNs = mode switch { NetworkMode.Host => null, NetworkMode.Container => joined!.NetNs, _ => Path.Combine(NetnsDir, containerId) },
                Hostname = joined?.Hostname ?? hostname,
                Ports = ports,
                HostsPath = joined?.HostsPath ?? Path.Combine(dir, "hosts"),
                HostnamePath = joined?.HostnamePath ?? Path.Combine(dir, "hostname"),
                ResolvConfPath = joined?.ResolvConfPath ?? Path.Combine(dir, "resolv.conf"),
            };
            // The record first: whatever a crash leaves from here on, the next start finds and removes.
            SaveSandbox(sandbox);
            try
            {
                Task loopback = Task.CompletedTask;
                if (mode is NetworkMode.Bridge or NetworkMode.None)
                {
                    Directory.CreateDirectory(NetnsDir);
                    NetnsFile.Create(sandbox.NetNs!);
                    // lo and the ethN are independent: the loopback plugin runs beside the networks' chains.
                    loopback = Cni.AddAsync(LoopbackConfigList(), new CniRuntimeConf { ContainerId = containerId, NetNs = sandbox.NetNs!, IfName = "lo" }, cancellationToken);
                }
                Task<NetworkSandbox> networksJoined = JoinNetworksAsync(sandbox, networks, options.Aliases, ports, cancellationToken);
                await Task.WhenAll(loopback, networksJoined).ConfigureAwait(false); // both ended, either failure undone below
                sandbox = await networksJoined.ConfigureAwait(false);
                if (mode != NetworkMode.Container)
                {
                    File.WriteAllText(sandbox.HostnamePath, sandbox.Hostname + "\n");
                    File.WriteAllText(sandbox.ResolvConfPath, ResolvConf(hostNetwork: mode == NetworkMode.Host));
                }
                WriteHostsFiles();
            }
            catch
            {
                await RemoveSandboxLockedAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
            {
                _logger.SandboxAttached(containerId, mode.ToString(), string.Join(", ", sandbox.Endpoints.Select(e => $"{e.Network} {e.Address}")));
            }
            return sandbox;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary><c>docker network connect</c>: one more network for a container, running or not (the next ethN).</summary>
    public async Task<NetworkSandbox> ConnectAsync(string containerId, string network, IReadOnlyList<string>? aliases = null, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NetworkSandbox sandbox = GetSandbox(containerId);
            if (sandbox.Mode != NetworkMode.Bridge)
            {
                throw new NetworkConflictException($"container '{containerId}' has network mode {sandbox.Mode.ToString().ToLowerInvariant()}: it cannot be connected to a network");
            }
            NetworkDefinition definition = InspectNetwork(network);
            if (sandbox.Endpoints.Any(e => e.NetworkId == definition.Id))
            {
                throw new NetworkConflictException($"container '{containerId}' is already on network '{definition.Name}'");
            }
            string ifName = Enumerable.Range(0, 64).Select(i => $"eth{i}").First(n => sandbox.Endpoints.All(e => e.IfName != n));
            Endpoint endpoint = await AddEndpointAsync(sandbox, definition, ifName, aliases ?? [], [], cancellationToken).ConfigureAwait(false);
            sandbox = sandbox with { Endpoints = [.. sandbox.Endpoints, endpoint] };
            SaveSandbox(sandbox);
            WriteHostsFiles();
            return sandbox;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary><c>docker network disconnect</c>: DEL of one endpoint; the container keeps running.</summary>
    public async Task<NetworkSandbox> DisconnectAsync(string containerId, string network, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NetworkSandbox sandbox = GetSandbox(containerId);
            NetworkDefinition definition = InspectNetwork(network);
            Endpoint endpoint = sandbox.Endpoints.FirstOrDefault(e => e.NetworkId == definition.Id)
                ?? throw new NetworkNotFoundException($"container '{containerId}' is not on network '{definition.Name}'");
            await Cni.DeleteAsync(ConfigList(definition), new CniRuntimeConf { ContainerId = containerId, NetNs = ExistingNetns(sandbox.NetNs), IfName = endpoint.IfName }, cancellationToken).ConfigureAwait(false);
            await RemoveMasqueradeLeftoversAsync(definition.Name, containerId, cancellationToken).ConfigureAwait(false);
            sandbox = sandbox with
            {
                Endpoints = [.. sandbox.Endpoints.Where(e => e != endpoint)],
                Ports = sandbox.Endpoints.IndexOf(endpoint) == 0 ? [] : sandbox.Ports,
            };
            SaveSandbox(sandbox);
            WriteHostsFiles();
            return sandbox;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// On stop and remove: DEL of every attachment (networks in reverse order, then lo), the netns
    /// unmounted, the files gone; the peers' /etc/hosts lose the container. Refused while another
    /// container shares this one's namespace.
    /// </summary>
    public async Task DetachAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NetworkSandbox sandbox = GetSandbox(containerId);
            string[] sharing = [.. LoadSandboxes().Where(s => s.JoinedContainer == containerId).Select(s => s.ContainerId)];
            if (sharing.Length != 0)
            {
                throw new NetworkConflictException($"container '{containerId}' shares its network namespace with {string.Join(", ", sharing)}: detach those first");
            }
            await RemoveSandboxLockedAsync(sandbox, cancellationToken).ConfigureAwait(false);
            _logger.SandboxDetached(containerId);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>CNI CHECK of every endpoint: the plugins verify that what ADD made is still there (a plugin's error says what is not).</summary>
    public async Task CheckAsync(string containerId, CancellationToken cancellationToken = default)
    {
        NetworkSandbox sandbox = GetSandbox(containerId);
        foreach (Endpoint endpoint in sandbox.Endpoints)
        {
            await Cni.CheckAsync(endpoint.Network, new CniRuntimeConf { ContainerId = containerId, NetNs = ExistingNetns(sandbox.NetNs), IfName = endpoint.IfName }, cancellationToken).ConfigureAwait(false);
        }
    }

    public NetworkSandbox GetSandbox(string containerId) =>
        LoadSandbox(containerId) ?? throw new NetworkNotFoundException($"container '{containerId}' has no network sandbox");

    public IReadOnlyList<NetworkSandbox> ListSandboxes() => [.. LoadSandboxes()];

    private (NetworkMode, NetworkSandbox?, List<NetworkDefinition>) ResolveMode(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return (NetworkMode.Bridge, null, [InspectNetwork(_options.DefaultNetworkName)]);
        }
        string first = names[0];
        bool special = first is "none" or "host" || first.StartsWith("container:", StringComparison.Ordinal);
        if (special && names.Count > 1 || !special && names.Skip(1).Any(n => n is "none" or "host" || n.StartsWith("container:", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"network mode '{names.First(n => n is "none" or "host" || n.StartsWith("container:", StringComparison.Ordinal))}' cannot be combined with other networks");
        }
        switch (first)
        {
            case "none":
                return (NetworkMode.None, null, []);
            case "host":
                return (NetworkMode.Host, null, []);
            case string s when s.StartsWith("container:", StringComparison.Ordinal):
                string other = s["container:".Length..];
                NetworkSandbox joined = LoadSandbox(other) ?? throw new NetworkNotFoundException($"network mode '{s}': container '{other}' has no network sandbox");
                if (joined.Mode == NetworkMode.Container)
                {
                    return (NetworkMode.Container, LoadSandbox(joined.JoinedContainer!) ?? throw new NetworkNotFoundException($"network mode '{s}': container '{joined.JoinedContainer}' has no network sandbox"), []);
                }
                return joined.Mode == NetworkMode.Host ? (NetworkMode.Host, null, []) : (NetworkMode.Container, joined, []);
        }
        var networks = names.Select(InspectNetwork).ToList();
        if (networks.DistinctBy(n => n.Id).Count() != networks.Count)
        {
            throw new ArgumentException($"networks {string.Join(", ", names)}: a network is named twice");
        }
        return (NetworkMode.Bridge, null, networks);
    }

    /// <summary>
    /// Host ports checked before any plugin runs: not published by another container, and free on the
    /// host (a bind to the address and port succeeds, as Docker's port allocator and proxy find out);
    /// port 0 becomes a free one the kernel picks.
    /// </summary>
    private List<PortMapping> ResolvePorts(IReadOnlyList<PortMapping> requested)
    {
        var resolved = new List<PortMapping>();
        List<(PortMapping Port, string Owner)> taken = [.. LoadSandboxes().SelectMany(s => s.Ports.Select(p => (p, s.ContainerId)))];
        foreach (PortMapping port in requested)
        {
            PortMapping mapping = port;
            if (mapping.HostPort == 0)
            {
                for (int attempt = 0; mapping.HostPort == 0 || Taken(mapping) is not null || resolved.Any(r => r.ConflictsWith(mapping)); attempt++)
                {
                    if (attempt == 100)
                    {
                        throw new NetworkConflictException($"no free host port for {port.ContainerPort}/{port.Protocol}");
                    }
                    mapping = mapping with { HostPort = FreeHostPort(mapping) };
                }
            }
            else
            {
                if (Taken(mapping) is string owner)
                {
                    throw new NetworkConflictException($"host port {Describe(mapping)} is already published by container '{owner}'");
                }
                if (resolved.Any(r => r.ConflictsWith(mapping)))
                {
                    throw new NetworkConflictException($"host port {Describe(mapping)} is published twice");
                }
                string? inUse = HostPortInUse(mapping);
                if (inUse is not null)
                {
                    throw new NetworkConflictException($"host port {Describe(mapping)} is in use on the host: {inUse}");
                }
            }
            resolved.Add(mapping);
        }
        return resolved;

        string? Taken(PortMapping mapping) => taken.FirstOrDefault(t => t.Port.ConflictsWith(mapping)).Owner;
    }

    private static string Describe(PortMapping port) => $"{(port.HostIp.Length == 0 ? "0.0.0.0" : port.HostIp)}:{port.HostPort}/{port.Protocol}";

    private static Socket HostSocket(PortMapping port) => port.Protocol == "udp"
        ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
        : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    private static string? HostPortInUse(PortMapping port)
    {
        using Socket socket = HostSocket(port);
        IPAddress address = port.HostIp.Length == 0 ? IPAddress.Any : IPAddress.Parse(port.HostIp);
        try
        {
            socket.Bind(new IPEndPoint(address, port.HostPort));
            return null;
        }
        catch (SocketException e)
        {
            return $"bind({address}:{port.HostPort}) failed: {e.Message} (errno {e.ErrorCode})";
        }
    }

    private static int FreeHostPort(PortMapping port)
    {
        using Socket socket = HostSocket(port);
        socket.Bind(new IPEndPoint(port.HostIp.Length == 0 ? IPAddress.Any : IPAddress.Parse(port.HostIp), 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>eth0, eth1, ... in order, the sandbox's record saved after each.</summary>
    private async Task<NetworkSandbox> JoinNetworksAsync(NetworkSandbox sandbox, List<NetworkDefinition> networks, IReadOnlyList<string> aliases, List<PortMapping> ports, CancellationToken cancellationToken)
    {
        for (int i = 0; i < networks.Count; i++)
        {
            Endpoint endpoint = await AddEndpointAsync(sandbox, networks[i], $"eth{i}", aliases, i == 0 ? ports : [], cancellationToken).ConfigureAwait(false);
            sandbox = sandbox with { Endpoints = [.. sandbox.Endpoints, endpoint] };
            SaveSandbox(sandbox);
        }
        return sandbox;
    }

    private async Task<Endpoint> AddEndpointAsync(NetworkSandbox sandbox, NetworkDefinition network, string ifName, IReadOnlyList<string> aliases, List<PortMapping> ports, CancellationToken cancellationToken)
    {
        JsonObject? capabilities = ports.Count == 0 ? null : new JsonObject { ["portMappings"] = JsonSerializer.SerializeToNode(ports, NetworkJsonContext.Default.ListPortMapping) };
        CniResult result = await Cni.AddAsync(ConfigList(network, publishesPorts: ports.Count != 0), new CniRuntimeConf { ContainerId = sandbox.ContainerId, NetNs = sandbox.NetNs!, IfName = ifName, CapabilityArgs = capabilities }, cancellationToken).ConfigureAwait(false);
        int index = result.Interfaces?.FindIndex(i => i.Name == ifName && i.Sandbox is not null) ?? -1;
        CniIpConfig ip = result.Ips?.FirstOrDefault(i => i.Interface == index) ?? result.Ips?.FirstOrDefault()
            ?? throw new CniException($"network '{network.Name}': the plugins gave interface {ifName} no address");
        return new Endpoint
        {
            Network = network.Name,
            NetworkId = network.Id,
            IfName = ifName,
            Address = ip.Address,
            Gateway = ip.Gateway,
            Mac = index >= 0 ? result.Interfaces![index].Mac : null,
            Aliases = [.. aliases],
        };
    }

    private async Task RemoveSandboxLockedAsync(NetworkSandbox sandbox, CancellationToken cancellationToken)
    {
        string netns = sandbox.Mode is NetworkMode.Bridge or NetworkMode.None ? ExistingNetns(sandbox.NetNs) : "";
        // Every attachment the CNI cache knows for the container, which covers a crash before the
        // record listed it: networks from the last ethN to eth0, then lo.
        var attachments = Cni.ListCached().Where(c => c.ContainerId == sandbox.ContainerId)
            .OrderBy(c => c.IfName == "lo" ? 1 : 0).ThenByDescending(c => c.IfName.Length).ThenByDescending(c => c.IfName, StringComparer.Ordinal).ToList();
        async Task DeleteAsync(string network, string containerId, string ifName)
        {
            await Cni.DeleteCachedAsync(network, containerId, ifName, netns, cancellationToken).ConfigureAwait(false);
            if (network != LoopbackNetwork) // the loopback plugin makes no masquerade rules
            {
                await RemoveMasqueradeLeftoversAsync(network, containerId, cancellationToken).ConfigureAwait(false);
            }
        }
        // lo beside the networks (independent, as at ADD); the networks one by one.
        Task loopback = attachments.FirstOrDefault(a => a.IfName == "lo") is { Network: not null } lo ? DeleteAsync(lo.Network, lo.ContainerId, lo.IfName) : Task.CompletedTask;
        async Task DeleteNetworksAsync()
        {
            foreach ((string network, string containerId, string ifName, _) in attachments.Where(a => a.IfName != "lo"))
            {
                await DeleteAsync(network, containerId, ifName).ConfigureAwait(false);
            }
        }
        await Task.WhenAll(loopback, DeleteNetworksAsync()).ConfigureAwait(false);
        if (sandbox.Mode is NetworkMode.Bridge or NetworkMode.None && sandbox.NetNs is not null && File.Exists(sandbox.NetNs))
        {
            NetnsFile.Remove(sandbox.NetNs!);
        }
        string dir = Path.Combine(SandboxesDir, sandbox.ContainerId);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        WriteHostsFiles();
    }
}

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lcd.Network.Cni;
using Lcd.Network.Networks;

namespace Lcd.Network;

public sealed partial class NetworkDriver
{
    /// <summary>The firewall plugin's comment on its isolation rules (ingressPolicy same-bridge).</summary>
    private const string IsolationComment = "CNI firewall plugin rules (ingressPolicy: same-bridge)";

    /// <summary>
    /// <c>docker network create</c>: a bridge network with the given subnet and gateway, or the next
    /// free subnet of the pool. A subnet overlapping one of the driver's networks or a route of the
    /// host is refused. The bridge itself appears at the first attach (the bridge plugin makes it).
    /// </summary>
    public async Task<NetworkDefinition> CreateNetworkAsync(NetworkCreateOptions options, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await CreateNetworkLockedAsync(options, isDefault: false).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public IReadOnlyList<NetworkDefinition> ListNetworks() =>
        Directory.Exists(NetworksDir)
            ? [.. Directory.GetFiles(NetworksDir, "*.json").Select(f => JsonSerializer.Deserialize(File.ReadAllBytes(f), NetworkJsonContext.Default.NetworkDefinition)!).OrderBy(n => n.Created)]
            : [];

    /// <summary>A network by name, id or unique id prefix.</summary>
    public NetworkDefinition InspectNetwork(string nameOrId) =>
        FindNetwork(nameOrId) ?? throw new NetworkNotFoundException($"network '{nameOrId}' not found");

    /// <summary>The containers with an endpoint on a network.</summary>
    public IReadOnlyList<string> ContainersOn(string nameOrId)
    {
        NetworkDefinition network = InspectNetwork(nameOrId);
        return [.. LoadSandboxes().Where(s => s.Endpoints.Any(e => e.NetworkId == network.Id)).Select(s => s.ContainerId)];
    }

    /// <summary>
    /// <c>docker network rm</c>: refused while a container is on it. What the plugins leave for a
    /// network's lifetime goes with it: the bridge (the bridge plugin never deletes one), the firewall
    /// plugin's two isolation rules for it (its DEL keeps them, since other containers may still use
    /// the bridge) and host-local's directory.
    /// </summary>
    public Task RemoveNetworkAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        RemoveNetworkAsync(nameOrId, allowDefault: false, cancellationToken);

    /// <summary>Removes the default network too (an uninstall, a test's cleanup); <see cref="StartAsync"/> makes it again.</summary>
    public Task RemoveDefaultNetworkAsync(CancellationToken cancellationToken = default) =>
        RemoveNetworkAsync(_options.DefaultNetworkName, allowDefault: true, cancellationToken);

    private async Task RemoveNetworkAsync(string nameOrId, bool allowDefault, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            NetworkDefinition network = InspectNetwork(nameOrId);
            if (network.IsDefault && !allowDefault)
            {
                throw new NetworkConflictException($"network '{network.Name}' is the default network and cannot be removed");
            }
            string[] users = [.. LoadSandboxes().Where(s => s.Endpoints.Any(e => e.NetworkId == network.Id)).Select(s => s.ContainerId)];
            if (users.Length != 0)
            {
                throw new NetworkConflictException($"network '{network.Name}' is in use by container(s) {string.Join(", ", users)}");
            }
            await RemoveBridgeAsync(network.Bridge, cancellationToken).ConfigureAwait(false);
            string ipam = Path.Combine(IpamDirectory, network.Name);
            if (Directory.Exists(ipam))
            {
                Directory.Delete(ipam, recursive: true);
            }
            File.Delete(NetworkFile(network.Name));
            // Each network's isolation rules sit in the firewall plugin's chains: with the last one gone, they may be idle.
            await RemoveIdleGlobalChainsAsync(cancellationToken).ConfigureAwait(false);
            _logger.NetworkRemoved(network.Name, network.Bridge);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task RemoveBridgeAsync(string bridge, CancellationToken cancellationToken)
    {
        string[][] isolation =
        [
            ["CNI-ISOLATION-STAGE-1", "-i", bridge, "!", "-o", bridge, "-j", "CNI-ISOLATION-STAGE-2", "-m", "comment", "--comment", IsolationComment],
            ["CNI-ISOLATION-STAGE-2", "-o", bridge, "-j", "DROP", "-m", "comment", "--comment", IsolationComment],
        ];
        foreach (string[] rule in isolation)
        {
            // -C first: a network never attached has no rules, and -D of a missing rule is an error.
            if ((await RunToolAsync("iptables", ["-w", "-t", "filter", "-C", .. rule], cancellationToken).ConfigureAwait(false)).ExitCode == 0)
            {
                await CheckToolAsync("iptables", ["-w", "-t", "filter", "-D", .. rule], cancellationToken).ConfigureAwait(false);
            }
        }
        if (Directory.Exists($"/sys/class/net/{bridge}"))
        {
            await CheckToolAsync("ip", ["link", "delete", bridge, "type", "bridge"], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CheckToolAsync(string tool, string[] args, CancellationToken cancellationToken)
    {
        ChildProcess.Output output = await RunToolAsync(tool, args, cancellationToken).ConfigureAwait(false);
        if (output.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed with status {output.ExitCode}: {output.Stderr.Trim()}");
        }
    }

    private Task<NetworkDefinition> CreateNetworkLockedAsync(NetworkCreateOptions options, bool isDefault)
    {
        string name = options.Name;
        if (!CniRuntime.IsSafeName(name))
        {
            throw new ArgumentException($"network name '{name}' is not valid: letters, digits, '_', '.', '-', starting with a letter or digit");
        }
        if (name is "none" or "host" || name.StartsWith("container:", StringComparison.Ordinal) || name == LoopbackNetwork || !isDefault && name == _options.DefaultNetworkName)
        {
            throw new NetworkConflictException($"network name '{name}' is reserved");
        }
        if (FindNetwork(name) is NetworkDefinition existing && existing.Name == name)
        {
            throw new NetworkConflictException($"network '{name}' already exists (id {existing.Id[..12]})");
        }
        IReadOnlyList<NetworkDefinition> networks = ListNetworks();
        Ipv4Subnet subnet;
        if (options.Subnet is not null)
        {
            subnet = Ipv4Subnet.Parse(options.Subnet);
            string? conflict = Overlap(subnet, networks);
            if (conflict is not null)
            {
                throw new NetworkConflictException($"subnet {subnet} of network '{name}' overlaps {conflict}");
            }
        }
        else
        {
            subnet = NextFreeSubnet(networks) ?? throw new NetworkConflictException($"no free /{_options.SubnetSize} subnet left in the pool {_options.SubnetPool} for network '{name}'");
        }
        IPAddress gateway = subnet.FirstHost;
        if (options.Gateway is not null)
        {
            if (!IPAddress.TryParse(options.Gateway, out IPAddress? given) || !subnet.Contains(given)
                || Ipv4Subnet.ToUInt32(given) == subnet.Network || Ipv4Subnet.ToUInt32(given) == subnet.Broadcast)
            {
                throw new ArgumentException($"gateway '{options.Gateway}' of network '{name}' is not a host address in {subnet}");
            }
            gateway = given;
        }
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        string bridge = isDefault ? $"{_options.BridgePrefix}0" : $"{_options.BridgePrefix}-{id}"[..15];
        if (bridge.Length > 15 || _options.BridgePrefix.Length == 0 || !_options.BridgePrefix.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"bridge prefix '{_options.BridgePrefix}' must be 1-14 letters or digits");
        }
        var network = new NetworkDefinition
        {
            Name = name,
            Id = id,
            Bridge = bridge,
            Subnet = subnet.ToString(),
            Gateway = gateway.ToString(),
            IsDefault = isDefault,
            Created = DateTimeOffset.UtcNow,
            Labels = options.Labels is null ? null : new Dictionary<string, string>(options.Labels),
        };
        Directory.CreateDirectory(NetworksDir);
        AtomicFile.Write(NetworkFile(name), JsonSerializer.SerializeToUtf8Bytes(network, NetworkJsonContext.Default.NetworkDefinition));
        _logger.NetworkCreated(name, network.Subnet, bridge);
        return Task.FromResult(network);
    }

    private string NetworkFile(string name) => Path.Combine(NetworksDir, $"{name}.json");

    private NetworkDefinition? FindNetwork(string nameOrId)
    {
        if (!CniRuntime.IsSafeName(nameOrId))
        {
            return null;
        }
        IReadOnlyList<NetworkDefinition> networks = ListNetworks();
        return networks.FirstOrDefault(n => n.Name == nameOrId || n.Id == nameOrId)
            ?? (networks.Where(n => n.Id.StartsWith(nameOrId, StringComparison.Ordinal)).ToList() is [NetworkDefinition one] ? one : null);
    }

    /// <summary>What a subnet overlaps: one of the driver's networks, or a route of the host (another bridge, the uplink).</summary>
    private static string? Overlap(Ipv4Subnet subnet, IReadOnlyList<NetworkDefinition> networks)
    {
        foreach (NetworkDefinition network in networks)
        {
            if (Ipv4Subnet.Parse(network.Subnet).Overlaps(subnet))
            {
                return $"network '{network.Name}' ({network.Subnet})";
            }
        }
        foreach ((string device, Ipv4Subnet route) in HostRoutes())
        {
            if (route.Overlaps(subnet))
            {
                return $"the host's route to {route} on {device}";
            }
        }
        return null;
    }

    private Ipv4Subnet? NextFreeSubnet(IReadOnlyList<NetworkDefinition> networks)
    {
        Ipv4Subnet pool = Ipv4Subnet.Parse(_options.SubnetPool);
        if (_options.SubnetSize < pool.PrefixLength || _options.SubnetSize > 30)
        {
            throw new ArgumentException($"subnet size /{_options.SubnetSize} does not fit the pool {pool}");
        }
        uint step = 1u << (32 - _options.SubnetSize);
        for (ulong network = pool.Network; network + step - 1 <= pool.Broadcast; network += step)
        {
            var candidate = new Ipv4Subnet((uint)network, _options.SubnetSize);
            if (Overlap(candidate, networks) is null)
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The host's IPv4 routes but the default one, from /proc/net/route (addresses in host byte order, hex).</summary>
    internal static IEnumerable<(string Device, Ipv4Subnet Route)> HostRoutes()
    {
        foreach (string line in File.ReadLines("/proc/net/route").Skip(1))
        {
            string[] fields = line.Split('\t', StringSplitOptions.TrimEntries);
            if (fields.Length < 8
                || !uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint destination)
                || !uint.TryParse(fields[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint mask) || mask == 0)
            {
                continue;
            }
            uint network = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(destination);
            int prefix = System.Numerics.BitOperations.PopCount(mask);
            yield return (fields[0], new Ipv4Subnet(network, prefix));
        }
    }

    /// <summary>
    /// The config list a bridge network's attachments run (what a <c>.conflist</c> in /etc/cni/net.d
    /// would hold for it), nerdctl's default chain: bridge (with
    /// host-local, its leases under the driver's root), portmap (published ports; snat for the
    /// host's own 127.0.0.1), firewall (the forward rules, and ingressPolicy same-bridge: Docker's
    /// isolation between networks). Without published ports, portmap is left out: with no portMappings
    /// it does nothing but cost a process on every ADD and DEL (the chain is cached per attachment, so
    /// DEL and CHECK run what ADD ran).
    /// </summary>
    public NetworkConfigList GetConfigList(string nameOrId, bool publishesPorts = true) => ConfigList(InspectNetwork(nameOrId), publishesPorts);

    private NetworkConfigList ConfigList(NetworkDefinition network, bool publishesPorts = true) => new(network.Name, CniRuntime.Version,
    [
        new JsonObject
        {
            ["type"] = "bridge",
            ["bridge"] = network.Bridge,
            ["isGateway"] = true,
            ["ipMasq"] = true,
            ["hairpinMode"] = true,
            ["ipam"] = new JsonObject
            {
                ["type"] = "host-local",
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = network.Subnet, ["gateway"] = network.Gateway })),
                ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                ["dataDir"] = IpamDirectory,
            },
        },
        .. (publishesPorts ? [new JsonObject { ["type"] = "portmap", ["capabilities"] = new JsonObject { ["portMappings"] = true }, ["snat"] = true }] : Array.Empty<JsonObject>()),
        new JsonObject { ["type"] = "firewall", ["backend"] = "iptables", ["ingressPolicy"] = "same-bridge" },
    ]);

    private static NetworkConfigList LoopbackConfigList() =>
        new(LoopbackNetwork, CniRuntime.Version, [new JsonObject { ["type"] = "loopback" }]);
}

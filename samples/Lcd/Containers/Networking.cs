using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lcd.Network;
using Lcd.Network.Networks;

namespace Lcd.Containers;

/// <summary>How the daemon configures its network driver, and the Engine API's view of network names and ports.</summary>
internal static class Networking
{
    /// <summary>The driver's options: its state under the data root, its bridges named after --bridge-prefix, the default network's subnet from --bip.</summary>
    public static NetworkDriverOptions DriverOptions(DaemonOptions options) => new()
    {
        RootDirectory = Path.Combine(options.DataRoot, "network"),
        BridgePrefix = options.BridgePrefix,
        DefaultSubnet = options.Bip is null ? null : DefaultSubnet(options.Bip),
    };

    /// <summary>--bip as dockerd takes it (the bridge's address and prefix, 172.17.0.1/16) or a plain subnet: the subnet.</summary>
    public static string DefaultSubnet(string bip)
    {
        int slash = bip.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !System.Net.IPAddress.TryParse(bip.AsSpan(0, slash), out System.Net.IPAddress? address)
            || !int.TryParse(bip.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix is < 8 or > 30)
        {
            throw new DaemonConfigException($"bip '{bip}': not an IPv4 CIDR with a prefix length of 8 to 30 (like 10.89.0.1/24)");
        }
        uint mask = uint.MaxValue << (32 - prefix);
        return new Ipv4Subnet(Ipv4Subnet.ToUInt32(address) & mask, prefix).ToString();
    }

    /// <summary>The networks Docker always lists besides the bridges: host and none (their ids are stable per name).</summary>
    public static readonly string[] Predefined = ["host", "none"];

    public static string PredefinedId(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("lcd-predefined-network:" + name)));

    /// <summary>Docker's endpoint id: 64 hex digits, one per container and network.</summary>
    public static string EndpointId(string containerId, string networkId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(containerId + "/" + networkId)));

    /// <summary>"80/tcp" (or "80", tcp): the container port and protocol.</summary>
    public static (int Port, string Protocol) ParsePortKey(string key) =>
        TryParsePortKey(key) ?? throw Api.ApiException.BadRequest($"invalid port specification: \"{key}\" (a port 1-65535, /tcp or /udp)");

    /// <summary><see cref="ParsePortKey"/>, null for a malformed key.</summary>
    public static (int Port, string Protocol)? TryParsePortKey(string key)
    {
        string[] parts = key.Split('/', 2);
        string protocol = parts.Length == 2 ? parts[1].ToLowerInvariant() : "tcp";
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535 || protocol is not ("tcp" or "udp"))
        {
            return null;
        }
        return (port, protocol);
    }

    /// <summary>HostConfig.PortBindings (and, with -P, every exposed port not bound) as the driver's mappings.</summary>
    public static List<PortMapping> Mappings(Api.HostConfig host, IEnumerable<string> exposed)
    {
        var mappings = new List<PortMapping>();
        foreach ((string key, List<Api.PortBindingJson>? bindings) in host.PortBindings ?? [])
        {
            (int port, string protocol) = ParsePortKey(key);
            foreach (Api.PortBindingJson binding in bindings is { Count: > 0 } ? bindings : [new Api.PortBindingJson("", "")])
            {
                int hostPort = 0;
                if (!string.IsNullOrEmpty(binding.HostPort)
                    && (!int.TryParse(binding.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out hostPort) || hostPort > 65535))
                {
                    throw Api.ApiException.BadRequest($"invalid host port \"{binding.HostPort}\" for {key}: a port 0-65535 (ranges are not supported by lcd)");
                }
                string hostIp = binding.HostIp ?? "";
                if (hostIp.Length != 0 && (!System.Net.IPAddress.TryParse(hostIp, out System.Net.IPAddress? ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
                {
                    throw Api.ApiException.BadRequest($"invalid host address \"{hostIp}\" for {key}: an IPv4 address");
                }
                mappings.Add(new PortMapping { HostIp = hostIp, HostPort = hostPort, ContainerPort = port, Protocol = protocol });
            }
        }
        if (host.PublishAllPorts)
        {
            foreach (string key in exposed.Distinct(StringComparer.Ordinal))
            {
                (int port, string protocol) = ParsePortKey(key);
                if (!mappings.Any(m => m.ContainerPort == port && m.Protocol == protocol))
                {
                    mappings.Add(new PortMapping { ContainerPort = port, Protocol = protocol });
                }
            }
        }
        return mappings;
    }
}

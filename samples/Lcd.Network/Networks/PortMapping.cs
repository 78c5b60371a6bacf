using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace Lcd.Network.Networks;

/// <summary>
/// A published port as Docker's <c>-p</c> writes it: <c>[hostIp:][hostPort:]containerPort[/tcp|udp]</c>;
/// no host port (or 0) means one the driver picks. What the portmap plugin gets as <c>portMappings</c>.
/// </summary>
public sealed record PortMapping
{
    /// <summary>The host address to listen on; empty for every address.</summary>
    [JsonPropertyName("hostIP")]
    public string HostIp { get; init; } = "";

    /// <summary>0: any free port, chosen at attach.</summary>
    [JsonPropertyName("hostPort")]
    public int HostPort { get; init; }

    [JsonPropertyName("containerPort")]
    public required int ContainerPort { get; init; }

    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = "tcp";

    public static PortMapping Parse(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        string protocol = "tcp";
        string rest = value;
        int slash = value.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = value[(slash + 1)..].ToLowerInvariant();
            rest = value[..slash];
            if (protocol is not ("tcp" or "udp"))
            {
                throw new ArgumentException($"published port '{value}': protocol '{protocol}' is not tcp or udp");
            }
        }
        // The host address may be IPv6 in brackets; split host-ip:host-port:container-port from the right.
        int last = rest.LastIndexOf(':');
        string container = last < 0 ? rest : rest[(last + 1)..];
        string hostIp = "";
        string hostPort = "";
        if (last >= 0)
        {
            string front = rest[..last];
            int middle = front.LastIndexOf(':');
            if (middle < 0)
            {
                hostPort = front;
            }
            else
            {
                hostIp = front[..middle].Trim('[', ']');
                hostPort = front[(middle + 1)..];
            }
        }
        if (hostIp.Length != 0 && (!IPAddress.TryParse(hostIp, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetwork))
        {
            throw new ArgumentException($"published port '{value}': host address '{hostIp}' is not an IPv4 address");
        }
        return new PortMapping
        {
            HostIp = hostIp,
            HostPort = hostPort.Length == 0 ? 0 : Port(hostPort, value, "host port", allowZero: true),
            ContainerPort = Port(container, value, "container port", allowZero: false),
            Protocol = protocol,
        };
    }

    private static int Port(string text, string value, string what, bool allowZero)
    {
        if (text.Contains('-', StringComparison.Ordinal))
        {
            throw new ArgumentException($"published port '{value}': port ranges are not supported");
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535 || port == 0 && !allowZero)
        {
            throw new ArgumentException($"published port '{value}': {what} '{text}' is not a port number (1-65535)");
        }
        return port;
    }

    /// <summary>Whether two mappings want the same host socket: same protocol and port, and addresses that overlap (empty is every address).</summary>
    public bool ConflictsWith(PortMapping other) =>
        HostPort == other.HostPort && Protocol == other.Protocol && (HostIp.Length == 0 || other.HostIp.Length == 0 || HostIp == other.HostIp || HostIp == "0.0.0.0" || other.HostIp == "0.0.0.0");

    public override string ToString() => $"{(HostIp.Length == 0 ? "0.0.0.0" : HostIp)}:{HostPort}->{ContainerPort}/{Protocol}";
}

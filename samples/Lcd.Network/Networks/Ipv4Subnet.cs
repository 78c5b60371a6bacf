using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Lcd.Network.Networks;

/// <summary>An IPv4 network in CIDR notation (<c>10.88.0.0/16</c>).</summary>
public readonly record struct Ipv4Subnet(uint Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    public static Ipv4Subnet Parse(string cidr)
    {
        int slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr.AsSpan(0, slash), out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix is < 8 or > 30)
        {
            throw new ArgumentException($"subnet '{cidr}' is not an IPv4 CIDR with a prefix length of 8 to 30 (like 10.89.0.0/24)");
        }
        uint value = ToUInt32(address);
        var subnet = new Ipv4Subnet(value, prefix);
        if ((value & subnet.Mask) != value)
        {
            throw new ArgumentException($"subnet '{cidr}' has host bits set: the network is {new Ipv4Subnet(value & subnet.Mask, prefix)}");
        }
        return subnet;
    }

    public bool Overlaps(Ipv4Subnet other) => Contains(other.Network) || other.Contains(Network);

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Contains(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork && Contains(ToUInt32(address));

    /// <summary>The first address for a host: the gateway by convention (Docker's, CNI's host-local).</summary>
    public IPAddress FirstHost => ToAddress(Network + 1);

    public static uint ToUInt32(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    public static IPAddress ToAddress(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{ToAddress(Network)}/{PrefixLength}";
}

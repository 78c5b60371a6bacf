using LibContainer.Spec;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;

namespace Lcd.Network.Tests;

public sealed class ParsingTests
{
    [Theory]
    [InlineData("80", "", 0, 80, "tcp")]
    [InlineData("8080:80", "", 8080, 80, "tcp")]
    [InlineData("127.0.0.1:8080:80", "127.0.0.1", 8080, 80, "tcp")]
    [InlineData("8080:80/udp", "", 8080, 80, "udp")]
    [InlineData("127.0.0.1::80", "127.0.0.1", 0, 80, "tcp")]
    [InlineData("53/UDP", "", 0, 53, "udp")]
    public void PortMapping_DockerSyntax_Parsed(string value, string hostIp, int hostPort, int containerPort, string protocol)
    {
        PortMapping.Parse(value).Should().Be(new PortMapping { HostIp = hostIp, HostPort = hostPort, ContainerPort = containerPort, Protocol = protocol });
    }

    [Theory]
    [InlineData("80/sctp", "protocol 'sctp'")]
    [InlineData("70000:80", "host port '70000'")]
    [InlineData("8080:0", "container port '0'")]
    [InlineData("8000-8010:80", "port ranges")]
    [InlineData("localhost:8080:80", "host address 'localhost'")]
    [InlineData("::1:8080:80", "not an IPv4 address")]
    public void PortMapping_Bad_NamesWhatIsWrong(string value, string expected)
    {
        Action parse = () => PortMapping.Parse(value);

        parse.Should().Throw<ArgumentException>().WithMessage($"published port '{value}': *{expected}*");
    }

    [Fact]
    public void PortMapping_Conflicts_SameProtocolPortAndOverlappingAddress()
    {
        PortMapping all = PortMapping.Parse("8080:80");

        all.ConflictsWith(PortMapping.Parse("127.0.0.1:8080:81")).Should().BeTrue("every address includes 127.0.0.1");
        all.ConflictsWith(PortMapping.Parse("8080:80/udp")).Should().BeFalse();
        PortMapping.Parse("127.0.0.1:8080:80").ConflictsWith(PortMapping.Parse("127.0.0.2:8080:80")).Should().BeFalse();
    }

    [Theory]
    [InlineData("10.1.0.0/24", "10.1.0.128/25", true)]
    [InlineData("10.1.0.0/16", "10.1.200.0/24", true)]
    [InlineData("10.1.0.0/24", "10.1.1.0/24", false)]
    public void Subnet_Overlaps(string a, string b, bool overlaps)
    {
        Ipv4Subnet.Parse(a).Overlaps(Ipv4Subnet.Parse(b)).Should().Be(overlaps);
        Ipv4Subnet.Parse(b).Overlaps(Ipv4Subnet.Parse(a)).Should().Be(overlaps);
    }

    [Theory]
    [InlineData("10.1.0.1/24", "host bits")]
    [InlineData("10.1.0.0", "not an IPv4 CIDR")]
    [InlineData("10.1.0.0/31", "not an IPv4 CIDR")]
    [InlineData("fd00::/64", "not an IPv4 CIDR")]
    public void Subnet_Bad_Refused(string cidr, string expected)
    {
        Action parse = () => Ipv4Subnet.Parse(cidr);

        parse.Should().Throw<ArgumentException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void ResolvConf_LoopbackNameserversLeftOut_FallbackWhenNoneLeft()
    {
        string dir = Directory.CreateTempSubdirectory("lcd-resolv-").FullName;
        try
        {
            string path = Path.Combine(dir, "resolv.conf");
            File.WriteAllText(path, "search example.test\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.9.9.9\noptions edns0\n");
            using var driver = new NetworkDriver(new NetworkDriverOptions { RootDirectory = dir, HostResolvConf = path, FallbackNameservers = ["192.0.2.53"] });

            string own = driver.ResolvConf(hostNetwork: false);
            string host = driver.ResolvConf(hostNetwork: true);
            File.WriteAllText(path, "nameserver 127.0.0.53\n");
            string fallback = driver.ResolvConf(hostNetwork: false);

            own.Should().Be("search example.test\nnameserver 10.9.9.9\noptions edns0\n");
            host.Should().Be("search example.test\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.9.9.9\noptions edns0\n", "in the host's namespace the host's resolver is reachable");
            fallback.Should().Be("nameserver 192.0.2.53\n");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ApplyTo_RunscSpec_JoinsTheNetnsAndMountsTheFiles()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Mounts!.Add(new Mount { Destination = "/etc/hosts", Type = "bind", Source = "/etc/hosts", Options = ["bind"] });
        var sandbox = new NetworkSandbox
        {
            ContainerId = "c1", Name = "web", Mode = NetworkMode.Bridge, NetNs = "/var/lib/lcd/network/netns/c1", Hostname = "web1",
            HostsPath = "/r/hosts", HostnamePath = "/r/hostname", ResolvConfPath = "/r/resolv.conf",
        };

        sandbox.ApplyTo(spec);

        spec.Linux!.Namespaces!.Where(n => n.Type == "network").Should().ContainSingle().Which.Path.Should().Be("/var/lib/lcd/network/netns/c1");
        spec.Hostname.Should().Be("web1");
        spec.Mounts!.Where(m => m.Destination.StartsWith("/etc/", StringComparison.Ordinal)).Select(m => (m.Destination, m.Source))
            .Should().BeEquivalentTo([("/etc/hosts", "/r/hosts"), ("/etc/hostname", "/r/hostname"), ("/etc/resolv.conf", "/r/resolv.conf")]);
    }

    [Fact]
    public void ApplyTo_HostMode_NoNetworkNamespace()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        var sandbox = new NetworkSandbox { ContainerId = "c1", Name = "c1", Mode = NetworkMode.Host, Hostname = "h", HostsPath = "/a", HostnamePath = "/b", ResolvConfPath = "/c" };

        sandbox.ApplyTo(spec);

        spec.Linux!.Namespaces!.Should().NotContain(n => n.Type == "network");
    }
}

using FluentAssertions;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class ContainerStatsTests
{
    // /proc/<pid>/net/dev of a container with a veth (and the host's ifb devices' format).
    private const string NetDev =
        "Inter-|   Receive                                                |  Transmit\n" +
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
        "    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n" +
        "  eth0: 94870964    4115    3    2    0     0          0         0   278209    3477    5    4    0     0       0          0\n" +
        "veth1a2b3c:123456789012 98765 0 1 0 0 0 0 42 1 0 0 0 0 0 0\n";

    [Fact]
    public void ParseProcNetDev_ContainerInterfaces_KeepsAllWithTheirCounters()
    {
        IReadOnlyList<NetworkInterfaceStats> interfaces = NetworkInterfaceStats.ParseProcNetDev(NetDev);

        interfaces.Should().Equal(
            new NetworkInterfaceStats("lo", 3193, 29, 0, 0, 3193, 29, 0, 0),
            new NetworkInterfaceStats("eth0", 94870964, 4115, 3, 2, 278209, 3477, 5, 4),
            new NetworkInterfaceStats("veth1a2b3c", 123456789012, 98765, 0, 1, 42, 1, 0, 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n")]
    [InlineData("eth0: 1 2 3\n")]
    [InlineData("eth0: 1 2 3 4 5 6 7 8 9 10 x 12 13 14 15 16\n")]
    public void ParseProcNetDev_HeadersOrMalformedLines_Skipped(string text) =>
        NetworkInterfaceStats.ParseProcNetDev(text).Should().BeEmpty();

    [Fact]
    public void New_NothingRead_ZerosAndEmptyCollections()
    {
        var stats = new ContainerStats();

        stats.Cpu.PerCpuUsage.Should().BeEmpty();
        stats.Memory.Stat.Should().BeEmpty();
        stats.Memory.Limit.Should().BeNull();
        stats.Pids.Limit.Should().BeNull();
        stats.BlockIo.IoServiceBytes.Should().BeEmpty();
        stats.Hugetlb.Should().BeEmpty();
        stats.Networks.Should().BeEmpty();
    }
}

using Lcd.Api;
using Lcd.Containers;

namespace Lcd.Tests;

/// <summary>dockerd's handling of a swap limit on a kernel that cannot apply one (swapaccount=0), which this host is not.</summary>
public sealed class HostLimitsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lcd-cgroups-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void DropUnsupportedSwap_NoSwapAccounting_MemoryKeptSwapUnlimitedWithDockerdsWarning()
    {
        var host = new HostConfig { Memory = 100 << 20, MemorySwap = 200 << 20 };
        var warnings = new List<string>();

        HostLimits.DropUnsupportedSwap(host, swapLimit: false, warnings);

        host.Memory.Should().Be(100 << 20);
        host.MemorySwap.Should().Be(-1);
        warnings.Should().Equal("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
    }

    [Theory]
    [InlineData(true, 100 << 20, 200 << 20)]
    [InlineData(false, 0, 0)]
    [InlineData(false, 100 << 20, -1)]
    public void DropUnsupportedSwap_NothingToDrop_LeftAsIs(bool swapLimit, long memory, long swap)
    {
        var host = new HostConfig { Memory = memory, MemorySwap = swap };
        var warnings = new List<string>();

        HostLimits.DropUnsupportedSwap(host, swapLimit, warnings);

        host.MemorySwap.Should().Be(swap);
        warnings.Should().BeEmpty();
    }

    [Fact]
    public void FindSwapLimit_V1MemoryHierarchy_ByItsMemswFile()
    {
        Directory.CreateDirectory(Path.Combine(_root, "memory"));
        HostLimits.FindSwapLimit(_root).Should().BeFalse("swapaccount=0: no memory.memsw.limit_in_bytes");

        File.WriteAllText(Path.Combine(_root, "memory", "memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        HostLimits.FindSwapLimit(_root).Should().BeTrue();
    }

    [Fact]
    public void FindSwapLimit_PureCgroup2_ByTheMemoryController()
    {
        File.WriteAllText(Path.Combine(_root, "cgroup.controllers"), "cpuset cpu io pids\n");
        HostLimits.FindSwapLimit(_root).Should().BeFalse();

        File.WriteAllText(Path.Combine(_root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
        HostLimits.FindSwapLimit(_root).Should().BeTrue();
    }
}

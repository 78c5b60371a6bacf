using FluentAssertions;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class MemoryV2Tests : IDisposable
{
    // memory.stat of a v2 memory cgroup (Linux 6.x), trimmed.
    private const string MemoryStat =
        "anon 1732608\nfile 53248\nkernel 307200\nkernel_stack 16384\npagetables 49152\nsec_pagetables 0\npercpu 960\n" +
        "sock 0\nvmalloc 0\nshmem 0\nfile_mapped 0\nfile_dirty 24576\nfile_writeback 0\nswapcached 0\nanon_thp 0\n" +
        "inactive_anon 1687552\nactive_anon 12288\ninactive_file 28672\nactive_file 24576\nunevictable 0\n" +
        "slab_reclaimable 86312\nslab_unreclaimable 103720\nslab 190032\npgfault 101499\npgmajfault 0\n";

    private readonly FakeCgroup _cgroup = new(
        ("memory.max", "max\n"),
        ("memory.low", "0\n"),
        ("memory.min", "0\n"),
        ("memory.high", "max\n"),
        ("memory.swap.max", "max\n"),
        ("memory.swap.high", "max\n"),
        ("memory.oom.group", "0\n"),
        ("memory.current", "2813952\n"),
        ("memory.peak", "190619648\n"),
        ("memory.swap.current", "65536\n"),
        ("memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n"),
        ("memory.stat", MemoryStat));

    private readonly MemoryV2 _memory = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Resources(LinuxMemory memory) => new() { Memory = memory };

    [Fact]
    public void Apply_EverythingSet_SwapIsSwapMinusLimitV1OnlyValuesIgnored()
    {
        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory
        {
            Limit = 536870912,
            Reservation = 268435456,
            Swap = 1073741824,
            Swappiness = 10,
            DisableOomKiller = true,
            Kernel = 1048576,
            KernelTcp = 1048576,
        }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["memory.swap.max"] = "536870912",
            ["memory.max"] = "536870912",
            ["memory.low"] = "268435456",
        });
    }

    [Fact]
    public void Apply_Unlimited_MaxForLimitAndSwap()
    {
        _cgroup.With("memory.max", "536870912\n").With("memory.swap.max", "0\n");

        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = -1, Reservation = -1 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["memory.swap.max"] = "max",
            ["memory.max"] = "max",
            ["memory.low"] = "max",
        });
    }

    [Fact]
    public void Apply_NothingSet_WritesNothing()
    {
        _memory.Apply(_cgroup.Path, new LinuxResources());
        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Swappiness = 0, DisableOomKiller = true, Limit = 0 }));

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Apply_NoSwapAccountingAndSwapEqualsLimit_SkipsSwap()
    {
        File.Delete(Path.Combine(_cgroup.Path, "memory.swap.max"));

        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 104857600, Swap = 104857600 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.max"] = "104857600" });
    }

    [Fact]
    public void Apply_NoSwapAccountingAndSwapWanted_Throws()
    {
        File.Delete(Path.Combine(_cgroup.Path, "memory.swap.max"));

        Action apply = () => _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 104857600, Swap = 209715200 }));

        apply.Should().Throw<ContainerException>().WithMessage("write 104857600 to */memory.swap.max failed: * (errno 2).");
    }

    [Fact]
    public void Apply_CheckBeforeUpdateBelowUsage_Throws()
    {
        Action apply = () => _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 1048576, CheckBeforeUpdate = true }));

        apply.Should().Throw<ContainerException>().WithMessage("Rejecting memory limit 1048576 *2813952*");
        _cgroup.Changed().Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(1073741824L, 536870912L, "536870912")]
    [InlineData(536870912L, 536870912L, "0")]
    [InlineData(-1L, 536870912L, "max")]
    [InlineData(null, -1L, "max")]
    [InlineData(0L, -1L, "max")]
    [InlineData(-1L, null, "max")]
    [InlineData(null, 536870912L, null)]
    public void ConvertSwap_SpecMemoryPlusSwap_V2SwapAlone(long? swap, long? limit, string? expected) =>
        MemoryV2.ConvertSwap(swap, limit).Should().Be(expected);

    [Theory]
    [InlineData(1073741824L, null)]
    [InlineData(1073741824L, -1L)]
    [InlineData(268435456L, 536870912L)]
    public void ConvertSwap_InvalidCombinations_Throw(long? swap, long? limit) =>
        FluentActions.Invoking(() => MemoryV2.ConvertSwap(swap, limit)).Should().Throw<ArgumentException>();

    [Theory]
    [InlineData(536870912L, 1073741824L, new string[0])]
    [InlineData(null, 1073741824L, new[] { "linux.resources.memory.swap: cannot be set without memory.limit on cgroup v2, got 1073741824" })]
    [InlineData(536870912L, 268435456L, new[] { "linux.resources.memory.swap: must be -1 or at least memory.limit (536870912), got 268435456" })]
    [InlineData(-3L, null, new[] { "linux.resources.memory.limit: must be -1 (unlimited) or a number of bytes, got -3" })]
    public void Validate_Sizes_ErrorsWithPaths(long? limit, long? swap, string[] expected)
    {
        var errors = new List<SpecError>();

        _memory.Validate(Resources(new LinuxMemory { Limit = limit, Swap = swap, Swappiness = 200, DisableOomKiller = true }), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(expected);
    }

    [Fact]
    public void ReadStats_RealisticFiles_FillsMemoryStats()
    {
        var stats = new ContainerStats();

        _memory.ReadStats(_cgroup.Path, stats);

        stats.Memory.Usage.Should().Be(2813952);
        stats.Memory.MaxUsage.Should().Be(190619648);
        stats.Memory.Limit.Should().BeNull();
        stats.Memory.Cache.Should().Be(53248);
        stats.Memory.Rss.Should().Be(1732608);
        stats.Memory.SwapUsage.Should().Be(65536);
        stats.Memory.Failcnt.Should().Be(4);
        stats.Memory.Stat.Should().HaveCount(25).And.Contain("slab", 190032UL);
    }

    [Fact]
    public void ReadStats_OldKernelWithoutPeakOrSwap_Zeros()
    {
        foreach (string file in new[] { "memory.peak", "memory.swap.current", "memory.events" })
        {
            File.Delete(Path.Combine(_cgroup.Path, file));
        }
        _cgroup.With("memory.max", "536870912\n");
        var stats = new ContainerStats();

        _memory.ReadStats(_cgroup.Path, stats);

        stats.Memory.MaxUsage.Should().Be(0);
        stats.Memory.SwapUsage.Should().Be(0);
        stats.Memory.Failcnt.Should().Be(0);
        stats.Memory.Limit.Should().Be(536870912);
    }
}

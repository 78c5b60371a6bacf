using FluentAssertions;
using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class MemoryV1Tests : IDisposable
{
    private const string Unlimited = "9223372036854771712\n";

    // memory.stat of a v1 memory cgroup (Linux 6.x, one small process).
    internal const string MemoryStat =
        "cache 53248\nrss 1732608\nrss_huge 0\nshmem 0\nmapped_file 0\ndirty 24576\nwriteback 0\n" +
        "workingset_refault_anon 0\nworkingset_refault_file 4\nswap 4096\nswapcached 0\npgpgin 64578\npgpgout 64142\n" +
        "pgfault 101499\npgmajfault 0\ninactive_anon 1687552\nactive_anon 12288\ninactive_file 28672\nactive_file 24576\n" +
        "unevictable 0\nhierarchical_memory_limit 536870912\nhierarchical_memsw_limit 1073741824\ntotal_cache 57344\n" +
        "total_rss 1740800\ntotal_rss_huge 0\ntotal_shmem 0\ntotal_mapped_file 0\ntotal_dirty 24576\ntotal_writeback 0\n" +
        "total_workingset_refault_anon 0\ntotal_workingset_refault_file 4\ntotal_swap 8192\ntotal_swapcached 0\n" +
        "total_pgpgin 64578\ntotal_pgpgout 64142\ntotal_pgfault 101499\ntotal_pgmajfault 0\ntotal_inactive_anon 1687552\n" +
        "total_active_anon 12288\ntotal_inactive_file 28672\ntotal_active_file 24576\ntotal_unevictable 0\n";

    private readonly FakeCgroup _cgroup = new(
        ("memory.limit_in_bytes", Unlimited),
        ("memory.memsw.limit_in_bytes", Unlimited),
        ("memory.soft_limit_in_bytes", Unlimited),
        ("memory.kmem.limit_in_bytes", Unlimited),
        ("memory.kmem.tcp.limit_in_bytes", Unlimited),
        ("memory.swappiness", "60\n"),
        ("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"),
        ("memory.use_hierarchy", "1\n"),
        ("memory.usage_in_bytes", "2813952\n"),
        ("memory.max_usage_in_bytes", "190619648\n"),
        ("memory.memsw.usage_in_bytes", "2822144\n"),
        ("memory.failcnt", "3\n"),
        ("memory.stat", MemoryStat));

    private readonly MemoryV1 _memory = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Resources(LinuxMemory memory) => new() { Memory = memory };

    [Fact]
    public void Apply_EverythingSet_WritesEachFileKernelMemoryIgnoredKernelTcpWritten()
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
            UseHierarchy = false,
        }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["memory.limit_in_bytes"] = "536870912",
            ["memory.memsw.limit_in_bytes"] = "1073741824",
            ["memory.soft_limit_in_bytes"] = "268435456",
            ["memory.swappiness"] = "10",
            ["memory.oom_control"] = "1",
            ["memory.kmem.tcp.limit_in_bytes"] = "1048576",
        });
    }

    [Fact]
    public void Apply_KernelTcpWithoutItsFile_WritesNothing()
    {
        File.Delete(Path.Combine(_cgroup.Path, "memory.kmem.tcp.limit_in_bytes"));

        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { KernelTcp = 1048576 }));

        _cgroup.Changed().Should().BeEmpty();
        File.Exists(Path.Combine(_cgroup.Path, "memory.kmem.tcp.limit_in_bytes")).Should().BeFalse();
    }

    [Fact]
    public void Apply_NothingSet_WritesNothing()
    {
        _memory.Apply(_cgroup.Path, new LinuxResources());
        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { DisableOomKiller = false, Limit = 0, Swap = 0, Reservation = 0 }));

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Apply_LimitOnly_WritesOnlyTheLimit()
    {
        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 104857600 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.limit_in_bytes"] = "104857600" });
    }

    [Fact]
    public void Apply_Raising_WritesMemswBeforeLimit()
    {
        _cgroup.With("memory.limit_in_bytes", "104857600\n").Refusing("memory.memsw.limit_in_bytes");

        Action apply = () => _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 314572800, Swap = 419430400 }));

        apply.Should().Throw<ContainerException>().WithMessage("write 419430400 to */memory.memsw.limit_in_bytes failed: *");
        _cgroup.Changed().Should().BeEmpty("memsw goes first when the limit rises");
    }

    [Fact]
    public void Apply_Lowering_WritesLimitBeforeMemsw()
    {
        _cgroup.With("memory.limit_in_bytes", "314572800\n").Refusing("memory.memsw.limit_in_bytes");

        Action apply = () => _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 104857600, Swap = 209715200 }));

        apply.Should().Throw<ContainerException>();
        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.limit_in_bytes"] = "104857600" });
    }

    [Fact]
    public void Apply_BothSetInOrder_WritesBoth()
    {
        _cgroup.With("memory.limit_in_bytes", "314572800\n");

        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 104857600, Swap = 209715200 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["memory.limit_in_bytes"] = "104857600",
            ["memory.memsw.limit_in_bytes"] = "209715200",
        });
    }

    [Fact]
    public void Apply_UnlimitedWithSwapUnset_SetsMemswUnlimitedFirst()
    {
        _cgroup.With("memory.limit_in_bytes", "104857600\n").With("memory.memsw.limit_in_bytes", "209715200\n");

        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = -1 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["memory.limit_in_bytes"] = "-1",
            ["memory.memsw.limit_in_bytes"] = "-1",
        });

    }

    [Fact]
    public void Apply_UnlimitedSwapWithoutSwapAccounting_WritesOnlyTheLimit()
    {
        // A kernel without swap accounting (swapaccount=0) has no memsw file; an unlimited swap already
        // holds there, as dockerd's "Memory limited without swap" assumes.
        using var cgroup = new FakeCgroup(("memory.limit_in_bytes", Unlimited), ("memory.soft_limit_in_bytes", Unlimited));

        _memory.Apply(cgroup.Path, Resources(new LinuxMemory { Limit = 104857600, Swap = -1 }));

        cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.limit_in_bytes"] = "104857600" });
        File.Exists(Path.Combine(cgroup.Path, "memory.memsw.limit_in_bytes")).Should().BeFalse();
    }

    [Fact]
    public void Apply_LimitedSwapWithoutSwapAccounting_FailsNamingTheFile()
    {
        using var cgroup = new FakeCgroup(("memory.limit_in_bytes", Unlimited));

        Action apply = () => _memory.Apply(cgroup.Path, Resources(new LinuxMemory { Limit = 104857600, Swap = 209715200 }));

        apply.Should().Throw<Exception>().WithMessage("*memory.memsw.limit_in_bytes*");
    }

    [Fact]
    public void Apply_BothUnlimited_WritesMemswFirst()
    {
        _cgroup.With("memory.limit_in_bytes", "104857600\n").Refusing("memory.memsw.limit_in_bytes");

        Action apply = () => _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = -1, Swap = -1 }));

        apply.Should().Throw<ContainerException>();
        _cgroup.Changed().Should().BeEmpty("memsw is raised first");
    }

    [Fact]
    public void Apply_UnlimitedWithoutSwapAccounting_WritesOnlyTheLimit()
    {
        File.Delete(Path.Combine(_cgroup.Path, "memory.memsw.limit_in_bytes"));

        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = -1 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.limit_in_bytes"] = "-1" });
    }

    [Fact]
    public void Apply_CheckBeforeUpdateBelowUsage_ThrowsAndWritesNothing()
    {
        Action apply = () => _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 1048576, CheckBeforeUpdate = true }));

        apply.Should().Throw<ContainerException>().WithMessage("Rejecting memory limit 1048576 for *: below the current usage of 2813952 bytes*");
        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Apply_CheckBeforeUpdateAboveUsage_Writes()
    {
        _memory.Apply(_cgroup.Path, Resources(new LinuxMemory { Limit = 4194304, CheckBeforeUpdate = true }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.limit_in_bytes"] = "4194304" });
    }

    [Fact]
    public void Files_EverythingSet_ListsTheWritableFiles()
    {
        _memory.Files(Resources(new LinuxMemory { Limit = 1, Reservation = 1, Swap = 2, Swappiness = 0, DisableOomKiller = true, Kernel = 5 }))
            .Should().Equal("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness", "memory.oom_control");
        _memory.Files(Resources(new LinuxMemory { Limit = -1 })).Should().Equal("memory.limit_in_bytes", "memory.memsw.limit_in_bytes");
        _memory.Files(new LinuxResources()).Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData(536870912L, 1073741824L, 0L, null)]
    [InlineData(536870912L, 536870912L, null, null)]
    [InlineData(-1L, -1L, -1L, null)]
    [InlineData(null, 1073741824L, null, null)]
    [InlineData(536870912L, 268435456L, null, "linux.resources.memory.swap: must be -1 or at least memory.limit (536870912), got 268435456")]
    [InlineData(-1L, 268435456L, null, "linux.resources.memory.swap: must be -1 when memory.limit is -1 (unlimited), got 268435456")]
    [InlineData(-2L, null, null, "linux.resources.memory.limit: must be -1 (unlimited) or a number of bytes, got -2")]
    [InlineData(null, -5L, null, "linux.resources.memory.swap: must be -1 (unlimited) or a number of bytes, got -5")]
    [InlineData(null, null, -100L, "linux.resources.memory.reservation: must be -1 (unlimited) or a number of bytes, got -100")]
    public void Validate_Sizes_ErrorsWithPaths(long? limit, long? swap, long? reservation, string? error)
    {
        var errors = new List<SpecError>();

        _memory.Validate(Resources(new LinuxMemory { Limit = limit, Swap = swap, Reservation = reservation }), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(error is null ? [] : [error]);
    }

    [Theory]
    [InlineData(0UL, null)]
    [InlineData(100UL, null)]
    [InlineData(101UL, "linux.resources.memory.swappiness: must be between 0 and 100, got 101")]
    [InlineData(200UL, "linux.resources.memory.swappiness: must be between 0 and 100, got 200")]
    public void Validate_Swappiness_ZeroToHundred(ulong swappiness, string? error)
    {
        var errors = new List<SpecError>();

        _memory.Validate(Resources(new LinuxMemory { Swappiness = swappiness }), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(error is null ? [] : [error]);
    }

    [Fact]
    public void Validate_KernelMemory_NoError()
    {
        var errors = new List<SpecError>();

        _memory.Validate(Resources(new LinuxMemory { Kernel = 1048576, KernelTcp = 1048576, DisableOomKiller = true }), FakeCgroup.Host(), errors);

        errors.Should().BeEmpty();
    }

    [Fact]
    public void ReadStats_RealisticFiles_FillsMemoryStats()
    {
        _cgroup.With("memory.limit_in_bytes", "536870912\n");
        var stats = new ContainerStats();

        _memory.ReadStats(_cgroup.Path, stats);

        stats.Memory.Usage.Should().Be(2813952);
        stats.Memory.MaxUsage.Should().Be(190619648);
        stats.Memory.Limit.Should().Be(536870912);
        stats.Memory.Failcnt.Should().Be(3);
        stats.Memory.Cache.Should().Be(57344, "total_cache counts sub-cgroups too");
        stats.Memory.Rss.Should().Be(1740800);
        stats.Memory.SwapUsage.Should().Be(8192);
        stats.Memory.Stat.Should().HaveCount(42).And.Contain("pgfault", 101499UL).And.Contain("hierarchical_memory_limit", 536870912UL);
    }

    [Fact]
    public void ReadStats_UnlimitedAndNoTotals_LimitNullPlainCounters()
    {
        _cgroup.With("memory.stat", "cache 53248\nrss 1732608\n");
        var stats = new ContainerStats();

        _memory.ReadStats(_cgroup.Path, stats);

        stats.Memory.Limit.Should().BeNull();
        stats.Memory.Cache.Should().Be(53248);
        stats.Memory.Rss.Should().Be(1732608);
        stats.Memory.SwapUsage.Should().Be(0);
    }

    [Fact]
    public void ReadStats_CgroupGone_ThrowsNamingTheFile()
    {
        var stats = new ContainerStats();

        Action read = () => _memory.ReadStats(Path.Combine(_cgroup.Path, "gone"), stats);

        read.Should().Throw<ContainerException>().WithMessage("read */gone/memory.stat failed: *");
    }
}

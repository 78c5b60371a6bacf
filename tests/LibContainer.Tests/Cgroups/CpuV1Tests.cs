using FluentAssertions;
using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CpuV1Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("cpu.shares", "1024\n"),
        ("cpu.cfs_quota_us", "-1\n"),
        ("cpu.cfs_period_us", "100000\n"),
        ("cpu.cfs_burst_us", "0\n"),
        ("cpu.rt_runtime_us", "0\n"),
        ("cpu.rt_period_us", "1000000\n"),
        ("cpu.idle", "0\n"),
        ("cpu.stat", "nr_periods 5210\nnr_throttled 342\nthrottled_time 18273645123\nnr_bursts 0\nburst_time 0\n"));

    private readonly CpuV1 _cpu = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Resources(LinuxCpu cpu) => new() { Cpu = cpu };

    [Fact]
    public void Apply_EverythingSet_WritesEachFile()
    {
        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu
        {
            Shares = 512,
            Quota = 50000,
            Period = 200000,
            Burst = 10000,
            RealtimeRuntime = 950000,
            RealtimePeriod = 1000000,
            Idle = 1,
            Cpus = "0",
            Mems = "0",
        }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["cpu.shares"] = "512",
            ["cpu.cfs_quota_us"] = "50000",
            ["cpu.cfs_period_us"] = "200000",
            ["cpu.cfs_burst_us"] = "10000",
            ["cpu.rt_runtime_us"] = "950000",
            ["cpu.rt_period_us"] = "1000000",
            ["cpu.idle"] = "1",
        });
    }

    [Fact]
    public void Apply_NothingSet_WritesNothing()
    {
        _cpu.Apply(_cgroup.Path, new LinuxResources());
        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Shares = 0, Quota = 0, Period = 0, RealtimePeriod = 0, RealtimeRuntime = 0, Cpus = "0-1" }));

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Apply_UnlimitedQuota_WritesMinusOne()
    {
        _cgroup.With("cpu.cfs_quota_us", "50000\n");

        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Quota = -1 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["cpu.cfs_quota_us"] = "-1" });
    }

    [Fact]
    public void Apply_PeriodAndQuota_WritesPeriodFirst()
    {
        _cgroup.Refusing("cpu.cfs_quota_us");

        Action apply = () => _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Quota = 50000, Period = 200000 }));

        apply.Should().Throw<ContainerException>().WithMessage("write 50000 to */cpu.cfs_quota_us failed: *");
        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["cpu.cfs_period_us"] = "200000" });
    }

    [Fact]
    public void Apply_PeriodRefusedOtherThanEinval_ThrowsBeforeQuota()
    {
        _cgroup.Refusing("cpu.cfs_period_us");

        Action apply = () => _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Quota = 50000, Period = 200000 }));

        apply.Should().Throw<ContainerException>().WithMessage("write 200000 to */cpu.cfs_period_us failed: *");
        _cgroup.Changed().Should().BeEmpty();
    }

    /// <summary>A file that refuses "200000" with EINVAL as the kernel refuses a period: oom_score_adj takes -1000 to 1000.</summary>
    private void PeriodRefusedWithEinval()
    {
        File.Delete(Path.Combine(_cgroup.Path, "cpu.cfs_period_us"));
        File.CreateSymbolicLink(Path.Combine(_cgroup.Path, "cpu.cfs_period_us"), "/proc/self/oom_score_adj");
    }

    [Fact]
    public void Apply_PeriodEinvalWithQuota_RetriedAfterTheQuota()
    {
        PeriodRefusedWithEinval();

        Action apply = () => _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Quota = 50000, Period = 200000 }));

        apply.Should().Throw<ContainerException>().WithMessage("write 200000 to */cpu.cfs_period_us failed: * (errno 22).");
        _cgroup.Changed().Should().Contain("cpu.cfs_quota_us", "50000");
    }

    [Fact]
    public void Apply_PeriodEinvalWithoutQuota_ThrowsAtOnce()
    {
        PeriodRefusedWithEinval();

        Action apply = () => _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Period = 200000, Idle = 1 }));

        apply.Should().Throw<ContainerException>().WithMessage("write 200000 to */cpu.cfs_period_us failed: * (errno 22).");
        _cgroup.Changed().Should().NotContainKey("cpu.idle");
    }

    [Fact]
    public void Apply_RealtimePeriodAndRuntime_WritesPeriodFirst()
    {
        _cgroup.Refusing("cpu.rt_runtime_us");

        Action apply = () => _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { RealtimeRuntime = 500000, RealtimePeriod = 900000 }));

        apply.Should().Throw<ContainerException>();
        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["cpu.rt_period_us"] = "900000" });
    }

    [Fact]
    public void Apply_BurstWithoutKernelSupport_Skipped()
    {
        File.Delete(Path.Combine(_cgroup.Path, "cpu.cfs_burst_us"));

        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Burst = 1000 }));

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Files_SomeSet_ListsThem()
    {
        _cpu.Files(Resources(new LinuxCpu { Shares = 2, Period = 100000, Quota = 1000, Cpus = "0" }))
            .Should().Equal("cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us");
        _cpu.Files(Resources(new LinuxCpu { RealtimeRuntime = -1, RealtimePeriod = 1000000, Idle = 0, Burst = 0 }))
            .Should().Equal("cpu.cfs_burst_us", "cpu.rt_period_us", "cpu.rt_runtime_us", "cpu.idle");
    }

    public static TheoryData<LinuxCpu, string[]> ValidationCases => new()
    {
        { new LinuxCpu { Shares = 1024, Quota = 50000, Period = 100000, Burst = 50000, RealtimeRuntime = -1, Idle = 0 }, [] },
        { new LinuxCpu { Shares = 2, Quota = -1, Period = 1000 }, [] },
        { new LinuxCpu { Shares = 262144, Quota = 1000, Period = 1000000 }, [] },
        { new LinuxCpu { Shares = 1 }, ["linux.resources.cpu.shares: must be between 2 and 262144, got 1"] },
        { new LinuxCpu { Shares = 262145 }, ["linux.resources.cpu.shares: must be between 2 and 262144, got 262145"] },
        { new LinuxCpu { Quota = -2 }, ["linux.resources.cpu.quota: must be -1 (unlimited) or at least 1000 microseconds, got -2"] },
        { new LinuxCpu { Quota = 999 }, ["linux.resources.cpu.quota: must be -1 (unlimited) or at least 1000 microseconds, got 999"] },
        { new LinuxCpu { Period = 999 }, ["linux.resources.cpu.period: must be between 1000 and 1000000 microseconds, got 999"] },
        { new LinuxCpu { Period = 1000001 }, ["linux.resources.cpu.period: must be between 1000 and 1000000 microseconds, got 1000001"] },
        { new LinuxCpu { Quota = 10000, Burst = 20000 }, ["linux.resources.cpu.burst: must not exceed cpu.quota (10000), got 20000"] },
        { new LinuxCpu { Idle = 2 }, ["linux.resources.cpu.idle: must be 0 or 1, got 2"] },
        { new LinuxCpu { RealtimeRuntime = -2 }, ["linux.resources.cpu.realtimeRuntime: must be -1 (unlimited) or a number of microseconds, got -2"] },
        { new LinuxCpu { RealtimeRuntime = 2000000, RealtimePeriod = 1000000 }, ["linux.resources.cpu.realtimeRuntime: must not exceed cpu.realtimePeriod (1000000), got 2000000"] },
    };

    [Theory]
    [MemberData(nameof(ValidationCases))]
    public void Validate_Values_ErrorsWithPaths(LinuxCpu cpu, string[] expected)
    {
        var errors = new List<SpecError>();

        _cpu.Validate(Resources(cpu), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(expected);
    }

    [Fact]
    public void ReadStats_CpuStat_FillsThrottling()
    {
        var stats = new ContainerStats();

        _cpu.ReadStats(_cgroup.Path, stats);

        stats.Cpu.ThrottlingPeriods.Should().Be(5210);
        stats.Cpu.ThrottledPeriods.Should().Be(342);
        stats.Cpu.ThrottledTime.Should().Be(18273645123);
        stats.Cpu.TotalUsage.Should().Be(0, "usage is cpuacct's");
    }
}

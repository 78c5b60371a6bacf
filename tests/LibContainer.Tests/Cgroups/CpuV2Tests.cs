using FluentAssertions;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CpuV2Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("cpu.weight", "100\n"),
        ("cpu.weight.nice", "0\n"),
        ("cpu.max", "max 100000\n"),
        ("cpu.max.burst", "0\n"),
        ("cpu.idle", "0\n"),
        ("cpu.stat",
            "usage_usec 1834292000\nuser_usec 1480084000\nsystem_usec 354208000\ncore_sched.force_idle_usec 0\n" +
            "nr_periods 5210\nnr_throttled 342\nthrottled_usec 18273645\nnr_bursts 0\nburst_usec 0\n"));

    private readonly CpuV2 _cpu = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Resources(LinuxCpu cpu) => new() { Cpu = cpu };

    [Theory]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(512UL, 20UL)]
    [InlineData(262144UL, 10000UL)]
    public void SharesToWeight_RuncFormula(ulong shares, ulong weight) =>
        CpuV2.SharesToWeight(shares).Should().Be(weight);

    [Fact]
    public void Apply_EverythingSet_WritesWeightMaxBurstIdle()
    {
        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Shares = 1024, Quota = 50000, Period = 200000, Burst = 10000, Idle = 1, Cpus = "0" }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["cpu.weight"] = "39",
            ["cpu.max"] = "50000 200000",
            ["cpu.max.burst"] = "10000",
            ["cpu.idle"] = "1",
        });
    }

    [Theory]
    [InlineData(50000L, null, "max 100000\n", "50000")]
    [InlineData(-1L, 100000UL, "50000 100000\n", "max 100000")]
    [InlineData(-1L, null, "50000 100000\n", "max")]
    [InlineData(null, 250000UL, "50000 100000\n", "50000 250000")]
    [InlineData(null, 250000UL, "max 100000\n", "max 250000")]
    public void Apply_QuotaPeriodCombinations_CpuMaxLine(long? quota, ulong? period, string current, string expected)
    {
        _cgroup.With("cpu.max", current);

        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Quota = quota, Period = period }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["cpu.max"] = expected });
    }

    [Fact]
    public void Apply_NothingSet_WritesNothing()
    {
        _cpu.Apply(_cgroup.Path, new LinuxResources());
        _cpu.Apply(_cgroup.Path, Resources(new LinuxCpu { Shares = 0, Quota = 0, Period = 0, Mems = "0" }));

        _cgroup.Changed().Should().BeEmpty();
        _cpu.Files(Resources(new LinuxCpu { Cpus = "0" })).Should().BeEmpty();
        _cpu.Files(Resources(new LinuxCpu { Shares = 2, Period = 1000 })).Should().Equal("cpu.weight", "cpu.max");
    }

    [Fact]
    public void Validate_Realtime_NotSupportedOnV2()
    {
        var errors = new List<SpecError>();

        _cpu.Validate(Resources(new LinuxCpu { RealtimeRuntime = 950000, RealtimePeriod = 1000000, Shares = 1 }), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(
            "linux.resources.cpu.shares: must be between 2 and 262144, got 1",
            "linux.resources.cpu.realtimeRuntime: is not supported on cgroup v2",
            "linux.resources.cpu.realtimePeriod: is not supported on cgroup v2");
    }

    [Fact]
    public void Validate_RealtimeZero_Unset()
    {
        var errors = new List<SpecError>();

        _cpu.Validate(Resources(new LinuxCpu { RealtimeRuntime = 0, RealtimePeriod = 0, Quota = 50000, Period = 100000 }), FakeCgroup.Host(), errors);

        errors.Should().BeEmpty();
    }

    [Fact]
    public void ReadStats_CpuStat_MicrosecondsToNanoseconds()
    {
        var stats = new ContainerStats();

        _cpu.ReadStats(_cgroup.Path, stats);

        stats.Cpu.Should().BeEquivalentTo(new
        {
            TotalUsage = 1834292000000UL,
            UserUsage = 1480084000000UL,
            SystemUsage = 354208000000UL,
            ThrottlingPeriods = 5210UL,
            ThrottledPeriods = 342UL,
            ThrottledTime = 18273645000UL,
            PerCpuUsage = Array.Empty<ulong>(),
        });
    }
}

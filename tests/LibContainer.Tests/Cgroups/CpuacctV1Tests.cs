using FluentAssertions;
using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CpuacctV1Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("cpuacct.usage", "1838257089276\n"),
        ("cpuacct.usage_percpu", "888111824911 950217285943 \n"),
        ("cpuacct.usage_all", "cpu user system\n0 720408000000 165180000000\n1 759224000000 188840000000\n"),
        ("cpuacct.stat", "user 148329\nsystem 35487\n"));

    private readonly CpuacctV1 _cpuacct = new();

    public void Dispose() => _cgroup.Dispose();

    [Fact]
    public void ReadStats_RealisticFiles_UsagePerCpuAndTicksInNanoseconds()
    {
        var stats = new ContainerStats();

        _cpuacct.ReadStats(_cgroup.Path, stats);

        stats.Cpu.TotalUsage.Should().Be(1838257089276);
        stats.Cpu.PerCpuUsage.Should().Equal(888111824911, 950217285943);
        stats.Cpu.UserUsage.Should().Be(148329UL * 10_000_000, "USER_HZ is 100: a tick is 10 ms");
        stats.Cpu.SystemUsage.Should().Be(354870000000);
    }

    [Fact]
    public void ReadStats_GarbagePerCpu_ThrowsNamingTheFile()
    {
        _cgroup.With("cpuacct.usage_percpu", "12 x\n");

        Action read = () => _cpuacct.ReadStats(_cgroup.Path, new ContainerStats());

        read.Should().Throw<ContainerException>().WithMessage("*/cpuacct.usage_percpu: expected numbers, got \"12 x\".");
    }

    [Fact]
    public void Apply_AnyResources_WritesNothing()
    {
        var resources = new LinuxResources { Cpu = new LinuxCpu { Shares = 100, Quota = 1000 } };
        var errors = new List<SpecError>();

        _cpuacct.Validate(resources, FakeCgroup.Host(), errors);
        _cpuacct.Apply(_cgroup.Path, resources);

        errors.Should().BeEmpty();
        _cpuacct.Files(resources).Should().BeEmpty();
        _cgroup.Changed().Should().BeEmpty();
        _cpuacct.Name.Should().Be("cpuacct");
    }
}

using FluentAssertions;
using LibContainer.Cgroups;
using LibContainer.Cgroups.V1;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class PidsTests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(("pids.max", "max\n"), ("pids.current", "12\n"), ("pids.events", "max 0\n"));

    public void Dispose() => _cgroup.Dispose();

    private static ICgroupController Controller(int version) => version == 1 ? new PidsV1() : new PidsV2();

    [Theory]
    [InlineData(100L, "100")]
    [InlineData(1L, "1")]
    [InlineData(0L, "max")]
    [InlineData(-1L, "max")]
    [InlineData(-5L, "max")]
    public void Apply_Limit_WritesNumberOrMax(long limit, string expected)
    {
        foreach (ICgroupController pids in new ICgroupController[] { new PidsV1(), new PidsV2() })
        {
            _cgroup.With("pids.max", "7\n");

            pids.Apply(_cgroup.Path, new LinuxResources { Pids = new LinuxPids { Limit = limit } });

            _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["pids.max"] = expected });
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Apply_Unset_WritesNothingAndAnyLimitValidates(int version)
    {
        ICgroupController pids = Controller(version);
        var errors = new List<SpecError>();

        pids.Apply(_cgroup.Path, new LinuxResources());
        pids.Validate(new LinuxResources { Pids = new LinuxPids { Limit = long.MinValue } }, FakeCgroup.Host(), errors);

        _cgroup.Changed().Should().BeEmpty();
        errors.Should().BeEmpty();
        pids.Files(new LinuxResources()).Should().BeEmpty();
        pids.Files(new LinuxResources { Pids = new LinuxPids { Limit = 1 } }).Should().Equal("pids.max");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ReadStats_CurrentAndMax_LimitNullForMax(int version)
    {
        ICgroupController pids = Controller(version);
        var stats = new ContainerStats();
        pids.ReadStats(_cgroup.Path, stats);
        stats.Pids.Current.Should().Be(12);
        stats.Pids.Limit.Should().BeNull();

        _cgroup.With("pids.max", "4096\n");
        pids.ReadStats(_cgroup.Path, stats);
        stats.Pids.Limit.Should().Be(4096);
    }
}

using FluentAssertions;
using LibContainer.Cgroups;
using LibContainer.Cgroups.V1;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CpusetTests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("cpuset.cpus", "0-1\n"),
        ("cpuset.mems", "0\n"),
        ("cpuset.effective_cpus", "0-1\n"),
        ("cpuset.cpu_exclusive", "0\n"));

    public void Dispose() => _cgroup.Dispose();

    private static ICgroupController Controller(int version) => version == 1 ? new CpusetV1() : new CpusetV2();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Apply_CpusAndMems_WritesBoth(int version)
    {
        ICgroupController cpuset = Controller(version);
        cpuset.Apply(_cgroup.Path, new LinuxResources { Cpu = new LinuxCpu { Cpus = "1", Mems = "0", Shares = 100 } });

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["cpuset.cpus"] = "1", ["cpuset.mems"] = "0" });
        cpuset.Name.Should().Be("cpuset");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Apply_EmptyOrUnset_WritesNothing(int version)
    {
        ICgroupController cpuset = Controller(version);
        cpuset.Apply(_cgroup.Path, new LinuxResources { Cpu = new LinuxCpu { Cpus = "", Shares = 100 } });
        cpuset.Apply(_cgroup.Path, new LinuxResources());

        _cgroup.Changed().Should().BeEmpty();
        cpuset.Files(new LinuxResources { Cpu = new LinuxCpu { Cpus = "", Mems = "0" } }).Should().Equal("cpuset.mems");
    }

    [Theory]
    [InlineData("0-1", "0", new string[0])]
    [InlineData("1,0", "", new string[0])]
    [InlineData("7", null, new[] { "linux.resources.cpu.cpus: CPU 7 does not exist (online: 0-1)" })]
    [InlineData("0-3", null, new[] { "linux.resources.cpu.cpus: CPUs 2-3 do not exist (online: 0-1)" })]
    [InlineData("0-x", null, new[] { "linux.resources.cpu.cpus: must be a list such as \"0-3,7\", got \"0-x\"" })]
    [InlineData(null, "1", new[] { "linux.resources.cpu.mems: memory node 1 does not exist (online: 0)" })]
    [InlineData("5", "0,2", new[] { "linux.resources.cpu.cpus: CPU 5 does not exist (online: 0-1)", "linux.resources.cpu.mems: memory node 2 does not exist (online: 0)" })]
    public void Validate_Lists_AgainstOnlineCpusAndNodes(string? cpus, string? mems, string[] expected)
    {
        foreach (ICgroupController cpuset in new ICgroupController[] { new CpusetV1(), new CpusetV2() })
        {
            var errors = new List<SpecError>();

            cpuset.Validate(new LinuxResources { Cpu = new LinuxCpu { Cpus = cpus, Mems = mems } }, FakeCgroup.Host("0-1", "0"), errors);

            errors.Select(e => e.ToString()).Should().Equal(expected);
        }
    }
}

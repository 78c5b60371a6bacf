using FluentAssertions;
using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class NetworkAndFreezerV1Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("net_cls.classid", "0\n"),
        ("net_prio.ifpriomap", "lo 0\neth0 0\n"),
        ("net_prio.prioidx", "1\n"),
        ("freezer.state", "THAWED\n"));

    public void Dispose() => _cgroup.Dispose();

    [Fact]
    public void Apply_ClassId_WritesDecimal()
    {
        new NetClsV1().Apply(_cgroup.Path, new LinuxResources { Network = new LinuxNetwork { ClassId = 0x100001 } });

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["net_cls.classid"] = "1048577" });
    }

    [Fact]
    public void Apply_Priorities_OneWritePerInterface()
    {
        _cgroup.Refusing("net_cls.classid");
        var resources = new LinuxResources
        {
            Network = new LinuxNetwork { Priorities = [new() { Name = "lo", Priority = 1 }, new() { Name = "eth0", Priority = 5 }] },
        };

        new NetPrioV1().Apply(_cgroup.Path, resources);

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["net_prio.ifpriomap"] = "eth0 5" });
        new NetPrioV1().Files(resources).Should().Equal("net_prio.ifpriomap");
        new NetClsV1().Files(resources).Should().BeEmpty();
    }

    [Fact]
    public void Apply_NoNetwork_WritesNothing()
    {
        var resources = new LinuxResources { Network = new LinuxNetwork() };

        new NetClsV1().Apply(_cgroup.Path, resources);
        new NetPrioV1().Apply(_cgroup.Path, resources);
        new NetClsV1().Apply(_cgroup.Path, new LinuxResources());
        new FreezerV1().Apply(_cgroup.Path, resources);

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Validate_BadInterfaceNames_ErrorsWithPaths()
    {
        var errors = new List<SpecError>();

        new NetPrioV1().Validate(new LinuxResources
        {
            Network = new LinuxNetwork
            {
                Priorities = [new() { Name = "eth0", Priority = 1 }, new() { Name = "eth 1", Priority = 1 }, new() { Name = "", Priority = 1 }, new() { Name = "a-very-long-name0", Priority = 1 }],
            },
        }, FakeCgroup.Host(), errors);

        errors.Select(e => e.Path).Should().Equal(
            "linux.resources.network.priorities[1].name",
            "linux.resources.network.priorities[2].name",
            "linux.resources.network.priorities[3].name");
        errors[0].Message.Should().Be("must be an interface name of 1 to 15 characters without spaces or '/', got \"eth 1\"");
    }

    [Fact]
    public void Freezer_AsController_NothingToDo()
    {
        var freezer = new FreezerV1();
        var stats = new ContainerStats();
        var errors = new List<SpecError>();

        freezer.Validate(new LinuxResources(), FakeCgroup.Host(), errors);
        freezer.ReadStats(_cgroup.Path, stats);

        freezer.Name.Should().Be("freezer");
        freezer.Files(new LinuxResources()).Should().BeEmpty();
        errors.Should().BeEmpty();
        stats.Should().BeEquivalentTo(new ContainerStats());
    }
}

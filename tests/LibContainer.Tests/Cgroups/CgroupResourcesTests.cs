using FluentAssertions;
using LibContainer.Cgroups;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CgroupResourcesTests
{
    [Fact]
    public void Effective_DenyAll_GetsRuncDefaultAllowRulesAfterIt()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();

        LinuxResources resources = CgroupResources.Effective(spec);

        resources.Devices![0].Allow.Should().BeFalse("the spec's own deny-all comes first");
        resources.Devices.Should().Contain(d => d.Allow && d.Type == "c" && d.Major == 1 && d.Minor == 3 && d.Access == "rwm");
        resources.Devices.Should().Contain(d => d.Allow && d.Type == "c" && d.Major == 136 && d.Minor == null);
    }

    [Fact]
    public void Effective_SpecDevice_AllowedInTheCgroup()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }, new LinuxDevice { Type = "p", Path = "/dev/fifo" }];

        LinuxResources resources = CgroupResources.Effective(spec);

        resources.Devices!.Last().Should().BeEquivalentTo(new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 10, Minor = 229, Access = "rwm" });
    }

    [Fact]
    public void Effective_NoDeviceRules_LeavesDevicesAlone()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Linux!.Resources = new LinuxResources { Pids = new LinuxPids { Limit = 5 } };

        CgroupResources.Effective(spec).Devices.Should().BeNull();
    }

    [Fact]
    public void Merge_UpdateChangesOnlyTheFieldsItSets()
    {
        var old = new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 100, Reservation = 50 },
            Pids = new LinuxPids { Limit = 10 },
        };

        LinuxResources merged = ResourceMerge.Merge(old, new LinuxResources { Memory = new LinuxMemory { Limit = 200 } });

        merged.Memory!.Limit.Should().Be(200);
        merged.Memory.Reservation.Should().Be(50);
        merged.Pids!.Limit.Should().Be(10);
    }
}

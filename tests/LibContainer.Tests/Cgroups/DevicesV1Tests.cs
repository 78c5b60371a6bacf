using FluentAssertions;
using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class DevicesV1Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(("devices.allow", ""), ("devices.deny", ""), ("devices.list", "a *:* rwm\n"));

    private readonly DevicesV1 _devices = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxDeviceCgroup Rule(bool allow, string? type = null, long? major = null, long? minor = null, string? access = null) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    [Theory]
    [InlineData("c", 1L, 3L, "rwm", "c 1:3 rwm")]
    [InlineData("b", 8L, null, "r", "b 8:* r")]
    [InlineData("c", 136L, -1L, "rw", "c 136:* rw")]
    [InlineData(null, null, null, null, "a *:* rwm")]
    [InlineData("a", -1L, -1L, "", "a *:* rwm")]
    [InlineData("c", null, 5L, "m", "c *:5 m")]
    public void Format_Rules_KernelSyntax(string? type, long? major, long? minor, string? access, string expected) =>
        DevicesV1.Format(Rule(true, type, major, minor, access)).Should().Be(expected);

    [Fact]
    public void Apply_DenyAllFirst_WritesAThenEachRuleInOrder()
    {
        _cgroup.Refusing("devices.allow");

        Action apply = () => _devices.Apply(_cgroup.Path, new LinuxResources
        {
            Devices = [Rule(false, access: "rwm"), Rule(true, "c", 1, 3, "rwm")],
        });

        apply.Should().Throw<ContainerException>().WithMessage("write c 1:3 rwm to */devices.allow failed: *");
        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["devices.deny"] = "a" });
    }

    [Fact]
    public void Apply_RuncDefaults_LastWriteOfEachFile()
    {
        _devices.Apply(_cgroup.Path, new LinuxResources
        {
            Devices =
            [
                Rule(false, "a"),
                Rule(true, "c", 1, 3, "rwm"),
                Rule(true, "c", 136, null, "rwm"),
                Rule(false, "c", 10, 229, "rwm"),
                Rule(true, "c", 5, 0, "rwm"),
            ],
        });

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["devices.deny"] = "c 10:229 rwm",
            ["devices.allow"] = "c 5:0 rwm",
        });
    }

    [Fact]
    public void Apply_FirstRuleNotDenyAll_NoInitialA()
    {
        _cgroup.Refusing("devices.deny");

        Action apply = () => _devices.Apply(_cgroup.Path, new LinuxResources
        {
            Devices = [Rule(false, "a", access: "r"), Rule(true, "c", 1, 3)],
        });

        // deny of "a" with partial access is written as it is, not as the initial "a".
        apply.Should().Throw<ContainerException>().WithMessage("write a *:* r to */devices.deny failed: *");
    }

    [Fact]
    public void Apply_NoRules_WritesNothing()
    {
        _devices.Apply(_cgroup.Path, new LinuxResources());
        _devices.Apply(_cgroup.Path, new LinuxResources { Devices = [] });

        _cgroup.Changed().Should().BeEmpty();
        _devices.Files(new LinuxResources { Devices = [Rule(true)] }).Should().BeEmpty("devices.allow and devices.deny are write-only");
    }

    [Fact]
    public void Validate_BadRules_ErrorsWithIndexedPaths()
    {
        var errors = new List<SpecError>();

        _devices.Validate(new LinuxResources
        {
            Devices =
            [
                Rule(false, "a", access: "rwm"),
                Rule(true, "p", 1, 3, "rwm"),
                Rule(true, "c", -2, -3, "rwx"),
                Rule(true, "b", -1, -1, "r"),
            ],
        }, FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(
            "linux.resources.devices[1].type: must be \"a\", \"b\" or \"c\", got \"p\"",
            "linux.resources.devices[2].major: must be -1 (all) or at least 0, got -2",
            "linux.resources.devices[2].minor: must be -1 (all) or at least 0, got -3",
            "linux.resources.devices[2].access: must be a combination of r, w and m, got \"rwx\"");
    }
}

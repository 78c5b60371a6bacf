using FluentAssertions;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class UnifiedV2Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("cgroup.controllers", "cpu io memory pids\n"),
        ("memory.high", "max\n"),
        ("memory.oom.group", "0\n"),
        ("pids.max", "max\n"));

    private readonly UnifiedV2 _unified = new();

    public void Dispose() => _cgroup.Dispose();

    [Fact]
    public void Apply_Keys_WritesEachValueAsItIs()
    {
        var resources = new LinuxResources { Unified = new() { ["memory.high"] = "1073741824", ["memory.oom.group"] = "1" } };

        _unified.Apply(_cgroup.Path, resources);

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["memory.high"] = "1073741824", ["memory.oom.group"] = "1" });
        _unified.Files(resources).Should().Equal("memory.high", "memory.oom.group");
        _unified.Name.Should().Be("unified");
    }

    [Fact]
    public void Apply_ControllerNotEnabled_ThrowsNamingKeyAndControllers()
    {
        Action apply = () => _unified.Apply(_cgroup.Path, new LinuxResources { Unified = new() { ["hugetlb.2MB.max"] = "0" } });

        apply.Should().Throw<ContainerException>()
            .WithMessage("Cannot set linux.resources.unified[\"hugetlb.2MB.max\"]: * has no file hugetlb.2MB.max; its controllers are \"cpu io memory pids\", is hugetlb enabled?");
        _cgroup.Exists("hugetlb.2MB.max").Should().BeFalse();
    }

    [Fact]
    public void Apply_NoUnified_WritesNothing()
    {
        _unified.Apply(_cgroup.Path, new LinuxResources());

        _cgroup.Changed().Should().BeEmpty();
    }

    [Theory]
    [InlineData("memory.high", null)]
    [InlineData("cgroup.freeze", null)]
    [InlineData("../memory.high", "must be a file name of the cgroup directory, without \"/\" or \"..\"")]
    [InlineData("x/memory.high", "must be a file name of the cgroup directory, without \"/\" or \"..\"")]
    [InlineData("memory..high", "must be a file name of the cgroup directory, without \"/\" or \"..\"")]
    [InlineData("memory", "must name a cgroup v2 interface file in the form controller.name, such as memory.high")]
    [InlineData(".high", "must name a cgroup v2 interface file in the form controller.name, such as memory.high")]
    [InlineData("", "must name a cgroup v2 interface file in the form controller.name, such as memory.high")]
    public void Validate_Keys_ErrorsNameTheKey(string key, string? message)
    {
        var errors = new List<SpecError>();

        _unified.Validate(new LinuxResources { Unified = new() { [key] = "1" } }, FakeCgroup.Host(), errors);

        errors.Should().Equal(message is null ? [] : [new SpecError($"linux.resources.unified[\"{key}\"]", message)]);
    }
}

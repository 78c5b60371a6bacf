using FluentAssertions;
using Xunit;

namespace LibContainer.Tests;

public sealed class ContainerFactoryTests
{
    [Fact]
    public void SynchronousWaitLimit_Negative_ErrorNamesTheOption()
    {
        Action create = () => _ = new ContainerFactory(new ContainerFactoryOptions { SynchronousWaitLimit = TimeSpan.FromMilliseconds(-1) });

        create.Should().Throw<ArgumentOutOfRangeException>().Which.Message.Should().Contain("SynchronousWaitLimit");
    }

    [Fact]
    public void SynchronousWaitLimit_DefaultsToZero()
    {
        new ContainerFactoryOptions().SynchronousWaitLimit.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void StateRoot_Default_IsRootsOrUnderXdgRuntimeDir()
    {
        ContainerFactoryOptions.DefaultFor(0, "/run/user/0").Should().Be("/run/libcontainer");
        ContainerFactoryOptions.DefaultFor(1000, "/run/user/1000").Should().Be("/run/user/1000/libcontainer");
    }

    [Fact]
    public void StateRoot_DefaultWithoutRootOrXdgRuntimeDir_ErrorSaysWhatToSet()
    {
        Action read = () => ContainerFactoryOptions.DefaultFor(1000, null);

        read.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("XDG_RUNTIME_DIR").And.Contain("set StateRoot");
    }

    [Fact]
    public void StateRoot_Set_IsWhatWasSet()
    {
        new ContainerFactoryOptions { StateRoot = "/tmp/x" }.StateRoot.Should().Be("/tmp/x");
    }
}


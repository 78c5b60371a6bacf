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
}

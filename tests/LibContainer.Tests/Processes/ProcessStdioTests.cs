using FluentAssertions;
using LibContainer.Processes;
using Xunit;

namespace LibContainer.Tests.Processes;

public sealed class ProcessStdioTests
{
    [Theory]
    [InlineData(StdioMode.Pipe, StdioMode.Inherit)]
    [InlineData(StdioMode.Inherit, StdioMode.Pipe)]
    public void Create_TerminalWithPipes_ErrorSaysSetTerminalFalse(StdioMode stdout, StdioMode stderr)
    {
        Action create = () => ProcessStdio.Create(StdioMode.Null, stdout, stderr, terminal: true);

        create.Should().Throw<ArgumentException>().Which.Message.Should().Contain("set spec.Process.Terminal = false").And.Contain("RuntimeSpec.CreateDefault()");
    }
}

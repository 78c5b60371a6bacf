using System.Text;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

public sealed class TerminalTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task Terminal_Tty_IsTheContainersPtsZero()
    {
        RuntimeSpec spec = Spec("tty");
        spec.Process!.Terminal = true;

        IContainer container = await RunAsync(spec, new ContainerOptions());
        string output = await ReadAllAsync(container.InitProcess.Terminal!);

        output.Trim().Should().Be("/dev/pts/0");
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
        container.InitProcess.StandardOutput.Should().BeNull();
    }

    [Fact]
    public async Task Terminal_InputWrittenToMaster_ComesBackThroughTheProcess()
    {
        RuntimeSpec spec = Spec("sh");
        spec.Process!.Terminal = true;
        IContainer container = await RunAsync(spec, new ContainerOptions());
        Stream terminal = container.InitProcess.Terminal!;

        await terminal.WriteAsync(Encoding.ASCII.GetBytes("echo result-$((40+2))\n"), Token);
        string seen = await ReadUntilAsync(terminal, "result-42\r\n");
        await terminal.WriteAsync(Encoding.ASCII.GetBytes("exit 6\n"), Token);

        seen.Should().Contain("result-42");
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(6);
    }

    [Fact]
    public async Task Terminal_ConsoleSizeAndResize_ShowInSttySize()
    {
        RuntimeSpec spec = Spec("sh");
        spec.Process!.Terminal = true;
        spec.Process.ConsoleSize = new Box { Height = 24, Width = 80 };
        IContainer container = await RunAsync(spec, new ContainerOptions());
        Stream terminal = container.InitProcess.Terminal!;

        await terminal.WriteAsync(Encoding.ASCII.GetBytes("stty size\n"), Token);
        (await ReadUntilAsync(terminal, "24 80\r\n")).Should().Contain("24 80");

        container.InitProcess.ResizeTerminal(30, 100);
        await terminal.WriteAsync(Encoding.ASCII.GetBytes("stty size\n"), Token);
        (await ReadUntilAsync(terminal, "30 100\r\n")).Should().Contain("30 100");

        await terminal.WriteAsync(Encoding.ASCII.GetBytes("exit\n"), Token);
        await container.InitProcess.WaitForExitAsync(Token);
    }

    [Fact]
    public async Task Terminal_ExecWithTerminal_GetsItsOwnPty()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));
        var process = new Process
        {
            Terminal = true,
            Args = ["tty"],
            Cwd = "/",
            User = new User { Uid = 0, Gid = 0 },
            Env = ["PATH=/bin"],
        };

        IProcess exec = await container.ExecAsync(process, cancellationToken: Token);
        string output = await ReadAllAsync(exec.Terminal!);

        output.Trim().Should().StartWith("/dev/pts/");
        (await exec.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Terminal_WithPipesAskedFor_ClearErrorAndNothingLeft()
    {
        RuntimeSpec spec = Spec("tty");
        spec.Process!.Terminal = true;
        string id = NewId();

        Func<Task> create = () => Factory.CreateAsync(id, spec, new ContainerOptions { Stdout = StdioMode.Pipe }, Token);

        (await create.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("process.terminal");
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
    }

    private static async Task<string> ReadUntilAsync(Stream stream, string marker)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var seen = new StringBuilder();
        byte[] buffer = new byte[1024];
        // The echo of the command line contains the unexpanded text; the marker is the output line.
        while (!seen.ToString().Contains(marker, StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                break;
            }
            seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return seen.ToString();
    }
}

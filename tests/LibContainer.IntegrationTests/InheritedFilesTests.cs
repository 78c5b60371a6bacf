using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;
using Microsoft.Win32.SafeHandles;

namespace LibContainer.IntegrationTests;

public sealed class InheritedFilesTests(RootfsFixture rootfs) : ContainerTest(rootfs), IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task ExtraFile_ReadableAtFd3()
    {
        File.WriteAllText(_file, "passed in\n");
        using SafeFileHandle handle = File.OpenHandle(_file);

        IContainer container = await RunAsync(Spec("cat", "/proc/self/fd/3"), Piped with { ExtraFiles = [handle] });
        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Should().Be("passed in\n");
    }

    [Fact]
    public async Task Fds_OnlyStdioAndPreservedReachTheContainer()
    {
        using SafeFileHandle handle = File.OpenHandle(_file);
        // A listing of its own fds shows the directory being read too: list pid 1's from a child.
        IContainer container = await RunAsync(Spec("sh", "-c", "ls /proc/1/fd | xargs; true"), Piped with { ExtraFiles = [handle] });
        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Trim().Split(' ').Should().BeEquivalentTo(["0", "1", "2", "3"]);
    }

    [Fact]
    public async Task Fds_WithoutExtraFiles_OnlyStdio()
    {
        IContainer container = await RunAsync(Spec("sh", "-c", "ls /proc/1/fd | xargs; true"));
        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Trim().Split(' ').Should().BeEquivalentTo(["0", "1", "2"]);
    }

    [Fact]
    public async Task ListenFds_SetsListenFdsAndListenPid()
    {
        using SafeFileHandle a = File.OpenHandle(_file);
        using SafeFileHandle b = File.OpenHandle(_file);

        IContainer container = await RunAsync(Spec("sh", "-c", "echo $LISTEN_FDS $LISTEN_PID $$"), Piped with { ExtraFiles = [a, b], ListenFds = true });
        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Trim().Should().Be("2 1 1");
    }

    [Fact]
    public async Task Exec_ExtraFile_ReadableAtFd3()
    {
        File.WriteAllText(_file, "to the exec\n");
        using SafeFileHandle handle = File.OpenHandle(_file);
        IContainer container = await RunAsync(Spec("sleep", "100"));
        var process = new Process { Args = ["cat", "/proc/self/fd/3"], Cwd = "/", User = new User { Uid = 0, Gid = 0 }, Env = ["PATH=/bin"] };

        IProcess exec = await container.ExecAsync(process, new ExecOptions { Stdout = StdioMode.Pipe, ExtraFiles = [handle] }, Token);

        (await ReadAllAsync(exec.StandardOutput!)).Should().Be("to the exec\n");
    }
}

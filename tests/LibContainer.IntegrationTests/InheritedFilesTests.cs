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
        IContainer container = await RunAsync(Spec("sleep", "100"), Piped with { ExtraFiles = [handle] });

        (await OpenFdsOfInitAsync(container)).Should().BeEquivalentTo(["0", "1", "2", "3"]);
    }

    [Fact]
    public async Task Fds_WithoutExtraFiles_OnlyStdio()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));

        (await OpenFdsOfInitAsync(container)).Should().BeEquivalentTo(["0", "1", "2"]);
    }

    /// <summary>The fds of the container's pid 1 (a sleep, which opens nothing), listed by an exec'd ls.</summary>
    private static async Task<string[]> OpenFdsOfInitAsync(IContainer container)
    {
        var ls = new Process { Args = ["ls", "/proc/1/fd"], Cwd = "/", User = new User { Uid = 0, Gid = 0 }, Env = ["PATH=/bin"] };
        IProcess exec = await container.ExecAsync(ls, new ExecOptions { Stdout = StdioMode.Pipe }, Token);
        string listing = await ReadAllAsync(exec.StandardOutput!);
        await exec.WaitForExitAsync(Token);
        return listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
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

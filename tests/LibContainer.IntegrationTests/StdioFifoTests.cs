using LibContainer.IntegrationTests.Infrastructure;

namespace LibContainer.IntegrationTests;

public sealed class StdioFifoTests(RootfsFixture rootfs) : ContainerTest(rootfs), IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lc-fifo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true); // after the containers (ContainerTest.DisposeAsync)

    [Fact]
    public async Task StdoutToFifo_ReadThroughOutput_EndsWhenContainerExits()
    {
        using StdioFifo fifo = StdioFifo.Create(Path.Combine(_dir, "stdout"));
        IContainer container = await RunAsync(Spec("sh", "-c", "echo one; echo two"), new ContainerOptions { Stdout = StdioMode.File, StdoutFile = fifo.ContainerEnd });
        fifo.CloseContainerEnd();

        (await ReadAllAsync(fifo.Output)).Should().Be("one\ntwo\n");
        (await container.InitProcess.WaitForExitAsync(Token)).Code.Should().Be(0);
    }

    [Fact]
    public async Task ReaderGone_ContainerWritesOn_ReopenedReaderGetsEverything()
    {
        string path = Path.Combine(_dir, "stdout");
        IContainer container;
        using (StdioFifo first = StdioFifo.Create(path))
        {
            container = await RunAsync(Spec("sh", "-c", "read x; echo while-away; echo written >&2; read x; echo after"),
                new ContainerOptions { Stdin = StdioMode.Pipe, Stdout = StdioMode.File, StdoutFile = first.ContainerEnd, Stderr = StdioMode.Pipe });
        } // the reader is gone: without a read-write end in the container, its echo would die of SIGPIPE
        Stream stdin = container.InitProcess.StandardInput!;
        await stdin.WriteAsync("go\n"u8.ToArray(), Token);
        await stdin.FlushAsync(Token);
        using var stderr = new StreamReader(container.InitProcess.StandardError!);
        (await stderr.ReadLineAsync(Token)).Should().Be("written", "the echo with no reader went into the fifo's buffer");

        // A new reader while the container runs (and holds the fifo) finds what was written meanwhile.
        using StdioFifo again = StdioFifo.Open(path);
        await stdin.DisposeAsync();
        (await ReadAllAsync(again.Output)).Should().Be("while-away\nafter\n");
        (await container.InitProcess.WaitForExitAsync(Token)).Code.Should().Be(0);
    }

    [Fact]
    public async Task FileModeWithoutFile_RefusedNamingTheOption_NothingLeft()
    {
        string id = NewId();
        Func<Task> act = () => Factory.RunAsync(id, Spec("true"), new ContainerOptions { Stdout = StdioMode.File }, Token);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("ContainerOptions.StdoutFile");
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
    }

    [Fact]
    public void Create_ExistingPath_FailsWithErrno()
    {
        string path = Path.Combine(_dir, "taken");
        File.WriteAllText(path, "");

        Action act = () => StdioFifo.Create(path);

        act.Should().Throw<SyscallException>().Which.Message.Should().Contain("mkfifo").And.Contain("errno 17");
    }
}

using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

/// <summary>
/// The same lifecycle with <see cref="ContainerFactoryOptions.SynchronousWaitLimit"/> set, as a
/// command line sets it: waits on the init block the calling thread first. Failures after the fifo
/// are still reported by start, and a wait longer than the limit goes on asynchronously.
/// </summary>
public sealed class SynchronousWaitTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private ContainerFactory Blocking(TimeSpan limit) =>
        new(new ContainerFactoryOptions { StateRoot = StateRoot, SynchronousWaitLimit = limit });

    private async Task<IContainer> CreateWithAsync(ContainerFactory factory, RuntimeSpec spec) =>
        Track(await factory.CreateAsync(NewId(), spec, Piped, Token));

    [Fact]
    public async Task CreateStartExec_RunAndReport()
    {
        ContainerFactory factory = Blocking(TimeSpan.FromSeconds(1));
        IContainer container = await CreateWithAsync(factory, Spec("sh", "-c", "echo started; sleep 100"));
        container.Status.Should().Be(ContainerStatus.Created);

        await container.StartAsync(Token);
        container.Status.Should().Be(ContainerStatus.Running);
        IProcess exec = await container.ExecAsync(
            new Process { Args = ["sh", "-c", "echo in-exec; exit 4"], Cwd = "/", User = new User { Uid = 0, Gid = 0 } },
            new ExecOptions { Stdout = StdioMode.Pipe }, Token);
        string execOut = await ReadAllAsync(exec.StandardOutput!);

        execOut.Trim().Should().Be("in-exec");
        (await exec.WaitForExitAsync(Token)).ExitCode.Should().Be(4);
        await container.SignalAsync(Signal.Kill, cancellationToken: Token);
        (await container.InitProcess.WaitForExitAsync(Token)).Signal.Should().Be((int)Signal.Kill);
        (await ReadAllAsync(container.InitProcess.StandardOutput!)).Trim().Should().Be("started");
    }

    [Fact]
    public async Task Start_FromLoadedContainer_RunsTheProgram()
    {
        IContainer created = await CreateAsync(Spec("sh", "-c", "exit 3"));
        IContainer loaded = await Blocking(TimeSpan.FromSeconds(1)).LoadAsync(created.Id, Token);

        await loaded.StartAsync(Token);

        (await created.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(3);
    }

    [Fact]
    public async Task StartContainerHook_Failing_StartFailsNamingIt()
    {
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { StartContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "exit 9"] }] };
        IContainer container = await CreateWithAsync(Blocking(TimeSpan.FromSeconds(1)), spec);

        Func<Task> start = () => container.StartAsync(Token);

        (await start.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("hooks.startContainer[0]").And.Contain("exit code 9");
    }

    [Fact]
    public async Task Exec_MissingProgram_ErrorNamesIt()
    {
        IContainer container = await CreateWithAsync(Blocking(TimeSpan.FromSeconds(1)), Spec("sleep", "100"));
        await container.StartAsync(Token);

        Func<Task> exec = () => container.ExecAsync(new Process { Args = ["/no/such/program"], Cwd = "/", User = new User { Uid = 0, Gid = 0 } }, new ExecOptions(), Token);

        (await exec.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("/no/such/program");
    }

    [Fact]
    public async Task WaitLongerThanTheLimit_GoesOnAsynchronously()
    {
        // The hooks hold the init ~0.3 s and the program runs ~0.2 s: far past a 10 ms limit, at
        // create, at start and in the wait for its exit.
        RuntimeSpec spec = Spec("sh", "-c", "sleep 0.2; exit 5");
        spec.Hooks = new Hooks
        {
            CreateContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "sleep 0.3"] }],
            StartContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "sleep 0.3"] }],
        };
        IContainer container = await CreateWithAsync(Blocking(TimeSpan.FromMilliseconds(10)), spec);

        await container.StartAsync(Token);

        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(5);
    }

    [Fact]
    public async Task WaitForExit_FromASecondFactory_SeesTheSameStatus()
    {
        ContainerFactory factory = Blocking(TimeSpan.FromSeconds(1));
        IContainer container = await CreateWithAsync(factory, Spec("sh", "-c", "exit 6"));
        IContainer loaded = await Blocking(TimeSpan.FromSeconds(1)).LoadAsync(container.Id, Token);

        await loaded.StartAsync(Token);

        (await loaded.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(6);
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(6);
    }
}

using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

/// <summary>
/// IFactory.RunAsync: create and start in one, the exec fifo read from create on, so the init goes
/// on to exec at once. A program may end before the start is read; a failure after the fifo is
/// still RunAsync's error, and nothing is left.
/// </summary>
public sealed class FactoryRunTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task RunAsync_ProgramThatEndsAtOnce_StartsAndReportsItsExit()
    {
        IContainer container = Track(await Factory.RunAsync(NewId(), Spec("sh", "-c", "echo quick; exit 3"), Piped, Token));

        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Trim().Should().Be("quick");
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(3);
    }

    [Fact]
    public async Task RunAsync_StartContainerHookFailing_ThrowsNamingItAndLeavesNothing()
    {
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { StartContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "exit 9"] }] };
        string id = NewId();

        Func<Task> run = () => Factory.RunAsync(id, spec, Piped, Token);

        (await run.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("hooks.startContainer[0]").And.Contain("exit code 9");
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
        (await Factory.ListAsync(Token)).Should().NotContain(id);
    }

    [Fact]
    public async Task RunAsync_MissingProgram_ThrowsNamingIt()
    {
        Func<Task> run = () => Factory.RunAsync(NewId(), Spec("/no/such/program"), Piped, Token);

        (await run.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("/no/such/program");
    }
}

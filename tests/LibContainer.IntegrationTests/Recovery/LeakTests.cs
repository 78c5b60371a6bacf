using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Processes;
using LibContainer.Spec;
using LibContainer.State;

namespace LibContainer.IntegrationTests.Recovery;

/// <summary>Per-operation state of the process (the Reaper's watches, the lock table) must not outlive the operation.</summary>
[Collection(HostWideChecks.Name)]
public sealed class LeakTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private static Process ExecProcess(params string[] args) => new()
    {
        Args = [.. args],
        Cwd = "/",
        User = new User { Uid = 0, Gid = 0 },
        Env = ["PATH=/bin"],
    };

    [Fact]
    public async Task Exec_ManyToTheirEnd_ReaperKeepsNoEntry()
    {
        IContainer container = await RunAsync(Spec("sleep", "1000"));
        int before = Reaper.Shared.Count;

        for (int i = 0; i < 20; i++)
        {
            IProcess exec = await container.ExecAsync(ExecProcess("true"), cancellationToken: Token);
            (await exec.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
        }

        await Settled(() => Reaper.Shared.Count, before);
    }

    [Fact]
    public async Task Lifecycles_Destroyed_LeaveNoReaperOrLockEntry()
    {
        int watches = Reaper.Shared.Count;
        for (int i = 0; i < 10; i++)
        {
            IContainer container = await Factory.RunAsync(NewId(), Spec("true"), Piped, Token);
            await container.InitProcess.WaitForExitAsync(Token);
            await container.DestroyAsync(Token);
            await container.DisposeAsync();
        }

        await Settled(() => Reaper.Shared.Count, watches);
        await Settled(() => StateDirectory.LockTableEntries.Count(p => p.StartsWith(StateRoot, StringComparison.Ordinal)), 0);
    }

    /// <summary>Waits (bounded) for a count that continuations bring down after the operation returned.</summary>
    private static async Task Settled(Func<int> count, int expected)
    {
        for (int i = 0; i < 100 && count() > expected; i++)
        {
            await Task.Delay(20, Token);
        }
        count().Should().BeLessThanOrEqualTo(expected);
    }
}

using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Interop;
using LibContainer.Processes;
using LibContainer.Spec;
using LibContainer.State;

namespace LibContainer.IntegrationTests.Recovery;

/// <summary>Per-operation state of the process (the Reaper's watches, the lock table) must not outlive the operation.</summary>
[Collection(HostWideChecks.Name)]
public sealed class LeakTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private static Process ExecProcess(params string[] args) => ExecTests.ExecProcess(args);

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

    [Fact]
    public async Task Destroy_UnreapedZombieOfItsPidNamespace_ReapsItAndEnds()
    {
        // A detached exec is left a zombie for the next parent; when this process is that parent (a
        // subreaper host), the init of the pid namespace cannot finish exiting until it is reaped.
        IContainer container = await RunAsync(Spec("sleep", "1000"));
        IProcess exec = await container.ExecAsync(ExecProcess("sleep", "1000"), new ExecOptions { Detached = true }, Token);
        int execPid = exec.Pid;

        await container.DestroyAsync(Token).WaitAsync(TimeSpan.FromSeconds(20), Token);

        HostSnapshot.ChildPids().Should().NotContain([execPid, container.InitProcess.Pid], "destroy reaps what is ours in the container");
        Directory.Exists(Path.Combine(StateRoot, container.Id)).Should().BeFalse();
    }

    [Fact]
    public async Task Destroy_ZombieHeldByAnotherProcess_GivesUpInTimeAndSaysWhy()
    {
        // A process of the container's pid namespace whose parent is outside it and does not reap
        // (nsenter, stopped): the init cannot finish exiting; destroy must not wait forever.
        Require.File("/usr/bin/nsenter", "apt-get install -y util-linux");
        IContainer container = await RunAsync(Spec("sleep", "1000"));
        using var holder = System.Diagnostics.Process.Start("/usr/bin/nsenter", ["-t", container.InitProcess.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-p", "--", "/bin/sleep", "1000"]);
        // nsenter forks its child into the namespace: wait until it has (a fixed delay lost the race on a loaded machine).
        await WaitUntilAsync(() => File.ReadAllText($"/proc/{holder.Id}/task/{holder.Id}/children").Trim().Length > 0);
        holder.Refresh();
        Sys.Kill(holder.Id, (int)Signal.Stop);
        TimeSpan saved = Container.DestroyTimeout;
        Container.DestroyTimeout = TimeSpan.FromSeconds(1);
        try
        {
            Func<Task> destroy = () => container.DestroyAsync(Token).WaitAsync(TimeSpan.FromSeconds(15), Token);

            (await destroy.Should().ThrowAsync<ContainerException>())
                .WithMessage($"*has not exited 1 s after SIGKILL*zombies whose parents have not reaped them:*(parent {holder.Id})*");
            Directory.Exists(Path.Combine(StateRoot, container.Id)).Should().BeTrue("a destroy that gave up keeps the state, to be retried");
        }
        finally
        {
            Container.DestroyTimeout = saved;
            Sys.Kill(holder.Id, (int)Signal.Continue);
        }
        await holder.WaitForExitAsync(Token);
        await container.DestroyAsync(Token).WaitAsync(TimeSpan.FromSeconds(15), Token);
        Directory.Exists(Path.Combine(StateRoot, container.Id)).Should().BeFalse();
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

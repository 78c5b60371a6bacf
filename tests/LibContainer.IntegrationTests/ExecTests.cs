using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

public sealed class ExecTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    /// <summary>A process for exec: root, cwd /, a PATH.</summary>
    internal static Process ExecProcess(params string[] args) => new()
    {
        Args = [.. args],
        Cwd = "/",
        User = new User { Uid = 0, Gid = 0 },
        Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    };

    private static ExecOptions PipedExec => new() { Stdout = StdioMode.Pipe, Stderr = StdioMode.Pipe };

    private static async Task<(ExitStatus Status, string Stdout)> ExecToEndAsync(IContainer container, Process process, ExecOptions? options = null)
    {
        IProcess exec = await container.ExecAsync(process, options ?? PipedExec, Token);
        string stdout = await ReadAllAsync(exec.StandardOutput!);
        return (await exec.WaitForExitAsync(Token), stdout);
    }

    [Fact]
    public async Task Exec_Hostname_PrintsTheContainersHostname()
    {
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Hostname = "exec-target";
        IContainer container = await RunAsync(spec);

        var (status, stdout) = await ExecToEndAsync(container, ExecProcess("hostname"));

        stdout.Trim().Should().Be("exec-target");
        status.ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Exec_JoinsEveryNamespace()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));

        IProcess exec = await container.ExecAsync(ExecProcess("sleep", "100"), cancellationToken: Token);

        foreach (string ns in new[] { "pid", "mnt", "uts", "ipc", "net", "cgroup" })
        {
            new FileInfo($"/proc/{exec.Pid}/ns/{ns}").LinkTarget.Should().Be(new FileInfo($"/proc/{container.InitProcess.Pid}/ns/{ns}").LinkTarget, ns);
        }
        await exec.SignalAsync(Signal.Kill, Token);
        (await exec.WaitForExitAsync(Token)).Signal.Should().Be((int)Signal.Kill);
    }

    [Fact]
    public async Task Exec_ExitCodeAndDeathBySignal_Reported()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));

        (await ExecToEndAsync(container, ExecProcess("sh", "-c", "exit 4"))).Status.ExitCode.Should().Be(4);
        ExitStatus killed = (await ExecToEndAsync(container, ExecProcess("sh", "-c", "kill -TERM $$"))).Status;
        killed.Signal.Should().Be((int)Signal.Terminate);
    }

    [Fact]
    public async Task Exec_AsAnotherUser_SeesThatUid()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));
        Process process = ExecProcess("sh", "-c", "id -u; id -g; pwd");
        process.User = new User { Uid = 1234, Gid = 4321 };
        process.Cwd = "/tmp";

        var (_, stdout) = await ExecToEndAsync(container, process);

        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("1234", "4321", "/tmp");
    }

    [Fact]
    public async Task Exec_InLimitedContainer_CountedInItsCgroup()
    {
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Linux!.Resources = new LinuxResources { Pids = new LinuxPids { Limit = 3 } };
        IContainer container = await RunAsync(spec);

        IProcess exec = await container.ExecAsync(ExecProcess("sleep", "100"), cancellationToken: Token);

        (await container.GetProcessesAsync(Token)).Should().Contain(exec.Pid);
        (await container.GetStatsAsync(Token)).Pids.Current.Should().Be(2);
        // Two more would make four: the pids limit of the container applies to exec'd processes.
        var (status, _) = await ExecToEndAsync(container, ExecProcess("sh", "-c", "sleep 1 & sleep 1 & wait"));
        status.ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task Exec_IntoStoppedContainer_ClearError()
    {
        IContainer container = await RunAsync(Spec("true"));
        await container.InitProcess.WaitForExitAsync(Token);

        Func<Task> exec = () => container.ExecAsync(ExecProcess("true"), cancellationToken: Token);

        await exec.Should().ThrowAsync<InvalidOperationException>().WithMessage("*is Stopped; Exec needs Running*");
    }

    [Fact]
    public async Task Exec_IntoPausedContainer_ClearError()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));
        await container.PauseAsync(Token);

        Func<Task> exec = () => container.ExecAsync(ExecProcess("true"), cancellationToken: Token);

        await exec.Should().ThrowAsync<InvalidOperationException>().WithMessage("*is Paused; Exec needs Running*");
        await container.ResumeAsync(Token);
    }

    [Fact]
    public async Task Exec_MissingExecutable_ErrorNamesItAndLeavesNoProcess()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));

        Func<Task> exec = () => container.ExecAsync(ExecProcess("no-such-tool"), cancellationToken: Token);

        (await exec.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain("no-such-tool").And.Contain("errno 2");
        (await container.GetProcessesAsync(Token)).Should().Equal(container.InitProcess.Pid);
    }

    [Fact]
    public async Task Processes_ShellWithBackgroundJob_ListsWhatTheKernelShows()
    {
        // busybox sh execs its last command, so `sh -c 'sleep 100 & sleep 100'` is two processes
        // (the shell became the second sleep); with `; wait` the shell stays and it is three.
        IContainer two = await RunAsync(Spec("sh", "-c", "sleep 100 & sleep 100"));
        IContainer three = await RunAsync(Spec("sh", "-c", "sleep 100 & sleep 100 & wait"));
        await Task.Delay(300, Token);

        (await two.GetProcessesAsync(Token)).Should().BeEquivalentTo(InPidNamespaceOf(two.InitProcess.Pid)).And.HaveCount(2);
        (await three.GetProcessesAsync(Token)).Should().BeEquivalentTo(InPidNamespaceOf(three.InitProcess.Pid)).And.HaveCount(3);
    }

    [Fact]
    public async Task Signal_All_ReachesEveryProcess()
    {
        // sh as pid 1 ignores SIGTERM (no handler), its children do not: --all reaches them.
        IContainer container = await RunAsync(Spec("sh", "-c", "sleep 100 & sleep 100 & wait; echo children-gone"));
        await Task.Delay(200, Token);
        IReadOnlyList<int> before = await container.GetProcessesAsync(Token);

        await container.SignalAsync(Signal.Terminate, all: true, Token);

        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);
        before.Should().HaveCount(3);
        stdout.Should().Contain("children-gone", "both sleeps died of SIGTERM, so wait returned");
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
    }

    /// <summary>Every host pid whose pid namespace is that of <paramref name="pid"/>, read from /proc directly.</summary>
    private static List<int> InPidNamespaceOf(int pid)
    {
        string? ns = new FileInfo($"/proc/{pid}/ns/pid").LinkTarget;
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int p))
            {
                try
                {
                    if (new FileInfo($"{dir}/ns/pid").LinkTarget == ns)
                    {
                        pids.Add(p);
                    }
                }
                catch (IOException)
                {
                }
            }
        }
        return pids;
    }
}

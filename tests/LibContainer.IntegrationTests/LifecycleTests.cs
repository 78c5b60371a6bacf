using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

public sealed class LifecycleTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task Run_Echo_StdoutCaptured()
    {
        var (status, stdout, _) = await RunToEndAsync(Spec("echo", "hello", "world"));

        stdout.Should().Be("hello world\n");
        status.ExitCode.Should().Be(0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Run_ExitCode_Reported(int code)
    {
        var (status, _, _) = await RunToEndAsync(Spec("sh", "-c", $"exit {code}"));

        status.ExitCode.Should().Be(code);
        status.Signal.Should().BeNull();
    }

    [Fact]
    public async Task Create_Detached_ExitWatchedWhenAskedAndLeftToTheNextParent()
    {
        // Detached: no watch until asked (a short-lived host starts no poller thread); asked, the
        // status is read with WNOWAIT, so the process stays a zombie for whoever inherits it.
        IContainer container = await CreateAsync(Spec("sh", "-c", "exit 4"), Piped with { Detached = true });
        int pid = container.InitProcess.Pid;

        await container.StartAsync(Token);

        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(4);
        File.ReadAllText($"/proc/{pid}/stat").Should().Contain(") Z ");
        await container.DestroyAsync(Token);
        ReapZombie(pid);
    }

    [Fact]
    public async Task Create_LeavesTheCallersOwnCgroupsAsTheyWere()
    {
        // The library opens the container's cgroup files (Init/CgroupJoin) and the container's
        // process writes "0" to the v1 tasks files, which moves the writer's own thread: this
        // process, every thread of it, must stay where it was.
        string before = File.ReadAllText("/proc/self/cgroup");
        IContainer container = await CreateAsync(Spec("true"));
        await container.StartAsync(Token);

        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
        File.ReadAllText("/proc/self/cgroup").Should().Be(before);
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (ReadIfThere(Path.Combine(task, "cgroup")) is string cgroups) // a thread may end meanwhile
            {
                cgroups.Should().Be(before, $"thread {Path.GetFileName(task)} stays too");
            }
        }
    }

    private static string? ReadIfThere(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);

    private static void ReapZombie(int pid) => waitpid(pid, out _, 0).Should().Be(pid);

    [Fact]
    public async Task Run_KilledBySignal_SignalReported()
    {
        // pid 1 of a pid namespace ignores the signals it has no handler for, except SIGKILL from outside.
        IContainer container = await RunAsync(Spec("sleep", "1000"));
        await container.SignalAsync(Signal.Kill, cancellationToken: Token);

        ExitStatus status = await container.InitProcess.WaitForExitAsync(Token);

        status.Signal.Should().Be((int)Signal.Kill);
        status.ExitCode.Should().BeNull();
        status.Code.Should().Be(137);
    }

    [Fact]
    public async Task Create_BeforeStart_UserProgramHasNotRun()
    {
        string shared = Directory.CreateTempSubdirectory("lc-marker-").FullName;
        try
        {
            RuntimeSpec spec = Spec("touch", "/shared/ran");
            spec.Mounts!.Add(new Mount { Destination = "/shared", Type = "bind", Source = shared, Options = ["rbind", "rw"] });

            IContainer container = await CreateAsync(spec);

            container.Status.Should().Be(ContainerStatus.Created);
            container.GetState().Status.Should().Be("created");
            File.Exists(Path.Combine(shared, "ran")).Should().BeFalse("the program must not run before start");

            await container.StartAsync(Token);
            ExitStatus status = await container.InitProcess.WaitForExitAsync(Token);

            status.ExitCode.Should().Be(0);
            File.Exists(Path.Combine(shared, "ran")).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task Status_Transitions_CreatedRunningStopped()
    {
        IContainer container = await CreateAsync(Spec("sh", "-c", "read line; exit 0"), new ContainerOptions { Stdin = StdioMode.Pipe });
        container.Status.Should().Be(ContainerStatus.Created);

        await container.StartAsync(Token);
        container.Status.Should().Be(ContainerStatus.Running);
        container.GetState().Pid.Should().Be(container.InitProcess.Pid);

        await container.InitProcess.StandardInput!.WriteAsync("go\n"u8.ToArray(), Token);
        await container.InitProcess.StandardInput.FlushAsync(Token);
        (await container.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(0);

        container.Status.Should().Be(ContainerStatus.Stopped);
        container.GetState().Status.Should().Be("stopped");
        container.GetState().Pid.Should().BeNull();
    }

    [Fact]
    public async Task Start_WhenRunning_Throws()
    {
        IContainer container = await RunAsync(Spec("sleep", "1000"));

        Func<Task> again = () => container.StartAsync(Token);

        await again.Should().ThrowAsync<InvalidOperationException>().WithMessage("*is Running; Start needs Created*");
    }

    [Fact]
    public async Task Load_FromSecondFactory_SeesRunningSignalsAndGetsExitStatus()
    {
        IContainer first = await RunAsync(Spec("sleep", "1000"));
        var other = new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot });

        IContainer loaded = await other.LoadAsync(first.Id, Token);

        loaded.Status.Should().Be(ContainerStatus.Running);
        loaded.InitProcess.Pid.Should().Be(first.InitProcess.Pid);
        loaded.Config.Process!.Args.Should().Equal("sleep", "1000");
        await loaded.SignalAsync(Signal.Kill, cancellationToken: Token);
        ExitStatus status = await loaded.InitProcess.WaitForExitAsync(Token);
        status.Signal.Should().Be((int)Signal.Kill);
        loaded.Status.Should().Be(ContainerStatus.Stopped);
    }

    [Fact]
    public async Task Load_State_HasTheSpecsAnnotations()
    {
        RuntimeSpec spec = Spec("sleep", "1000");
        spec.Annotations = new Dictionary<string, string> { ["org.example.tier"] = "web" };
        IContainer first = await RunAsync(spec);

        IContainer loaded = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }).LoadAsync(first.Id, Token);

        ContainerState state = loaded.GetState();
        state.Annotations.Should().Equal(new Dictionary<string, string> { ["org.example.tier"] = "web" });
        state.Status.Should().Be("running");
        state.Pid.Should().Be(first.InitProcess.Pid);
    }

    [Fact]
    public async Task Load_AfterExit_ReadsRecordedExitStatus()
    {
        IContainer first = await RunAsync(Spec("sh", "-c", "exit 7"));
        (await first.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(7);

        IContainer loaded = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }).LoadAsync(first.Id, Token);

        loaded.Status.Should().Be(ContainerStatus.Stopped);
        // Recorded by this process (the parent) when it reaped the init (an attribute of the state
        // directory, state.json unchanged); another factory that loads it reads the status.
        await WaitUntilAsync(() => Interop.Sys.TryGetXattr(Path.Combine(StateRoot, first.Id), State.StateDirectory.ExitAttribute) is not null);
        File.ReadAllText(Path.Combine(StateRoot, first.Id, "state.json")).Should().NotContain("exitCode");
        IContainer again = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }).LoadAsync(first.Id, Token);
        (await again.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(7);
    }

    [Fact]
    public async Task Start_FromLoadedContainer_RunsTheProgram()
    {
        IContainer created = await CreateAsync(Spec("sh", "-c", "exit 5"));
        IContainer loaded = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }).LoadAsync(created.Id, Token);

        await loaded.StartAsync(Token);

        (await created.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(5);
    }

    [Fact]
    public async Task ExitStatus_WithSystemDiagnosticsProcessInUse_NotLost()
    {
        using (var host = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/true") { UseShellExecute = false })!)
        {
            await host.WaitForExitAsync(Token); // installs the runtime's SIGCHLD handling
        }

        var (status, _, _) = await RunToEndAsync(Spec("sh", "-c", "sleep 0.2; exit 3"));

        status.ExitCode.Should().Be(3);
    }

    [Fact]
    public async Task Destroy_InEveryState_RemovesStateAndProcessesIdempotently()
    {
        IContainer created = await CreateAsync(Spec("sleep", "1000"));
        IContainer running = await RunAsync(Spec("sleep", "1000"));
        IContainer stopped = await RunAsync(Spec("true"));
        await stopped.InitProcess.WaitForExitAsync(Token);

        foreach (IContainer container in new[] { created, running, stopped })
        {
            int pid = container.InitProcess.Pid;
            await container.DestroyAsync(Token);
            await container.DestroyAsync(Token);

            Directory.Exists(Path.Combine(StateRoot, container.Id)).Should().BeFalse();
            File.Exists($"/proc/{pid}/stat").Should().BeFalse($"pid {pid} of {container.Id} must be reaped");
            container.Status.Should().Be(ContainerStatus.Stopped);
        }
        (await Factory.ListAsync(Token)).Should().BeEmpty();
    }

    [Fact]
    public async Task Destroy_HalfCreatedContainer_KillsAndRemovesIt()
    {
        // What a creator that crashed between clone and ready leaves: a record in phase "creating"
        // with the init's pid. Make one by rewinding a created container's record.
        IContainer created = await CreateAsync(Spec("sleep", "1000"));
        string stateFile = Path.Combine(StateRoot, created.Id, "state.json");
        File.WriteAllText(stateFile, File.ReadAllText(stateFile).Replace("\"phase\":\"created\"", "\"phase\":\"creating\"", StringComparison.Ordinal));

        IContainer loaded = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }).LoadAsync(created.Id, Token);
        // Nothing holds its lock: the create died and will never finish, so it reads stopped (not
        // creating forever) and a plain delete removes it.
        loaded.Status.Should().Be(ContainerStatus.Stopped);
        await loaded.DestroyAsync(Token);

        File.Exists($"/proc/{created.InitProcess.Pid}/stat").Should().BeFalse();
        Directory.Exists(Path.Combine(StateRoot, created.Id)).Should().BeFalse();
    }

    [Fact]
    public async Task Create_DuplicateId_ErrorNamesId()
    {
        IContainer first = await CreateAsync(Spec("sleep", "1000"));

        Func<Task> duplicate = () => Factory.CreateAsync(first.Id, Spec("true"), cancellationToken: Token);

        (await duplicate.Should().ThrowAsync<ContainerAlreadyExistsException>().WithMessage($"*'{first.Id}' already exists*"))
            .Which.StateRoot.Should().Be(StateRoot);
        first.Status.Should().Be(ContainerStatus.Created);
    }

    [Fact]
    public async Task Processes_ListsEveryProcessOfTheContainer()
    {
        IContainer container = await RunAsync(Spec("sh", "-c", "sleep 100 & sleep 100 & wait"));
        await WaitUntilAsync(async () => (await container.GetProcessesAsync(Token)).Count == 3);

        IReadOnlyList<int> pids = await container.GetProcessesAsync(Token);

        pids.Should().HaveCount(3).And.Contain(container.InitProcess.Pid);
    }

    [Fact]
    public async Task List_ShowsCreatedContainers()
    {
        IContainer a = await CreateAsync(Spec("true"));
        IContainer b = await CreateAsync(Spec("true"));

        (await Factory.ListAsync(Token)).Should().BeEquivalentTo([a.Id, b.Id]);
    }
}

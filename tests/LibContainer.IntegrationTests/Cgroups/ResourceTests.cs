using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests.Cgroups;

/// <summary>Limits, pause, stats, update and OOM events on real cgroups (v1 controllers beside cgroup2 here).</summary>
public sealed class ResourceTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task MemoryLimit_AllocatingProcess_OomKilledAndEventObserved()
    {
        RuntimeSpec spec = Spec("sh", "-c", "tail /dev/zero; echo tail-ended-$?");
        spec.Linux!.Resources = new LinuxResources { Memory = new LinuxMemory { Limit = 32 * MiB } }; // this host has no swap
        IContainer container = await CreateAsync(spec);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var oom = new TaskCompletionSource<ContainerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pressure = new TaskCompletionSource<ContainerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task watcher = Task.Run(async () =>
        {
            await foreach (ContainerEvent e in container.WatchEventsAsync(watching.Token))
            {
                (e.Type == ContainerEventType.OutOfMemory ? oom : pressure).TrySetResult(e);
            }
        }, Token);
        await Task.Delay(100, Token); // let the watcher register before the program runs

        await container.StartAsync(Token);
        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Should().Contain("tail-ended-137", "tail is killed by SIGKILL from the OOM killer");
        ContainerEvent seen = await oom.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        seen.Count.Should().BeGreaterThan(0);
        ContainerEvent squeezed = await pressure.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        squeezed.Level.Should().BeOneOf("low", "medium", "critical");
        ContainerStats stats = await container.GetStatsAsync(Token);
        stats.Memory.Limit.Should().Be(32 * MiB);
        stats.Memory.Failcnt.Should().BeGreaterThan(0);
        stats.Memory.OomKills.Should().BeGreaterThan(0, "the counter says it too, after the exit and without a watcher");
        await watching.CancelAsync();
        await watcher.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task PidsLimit_EleventhForkFails()
    {
        // Each fork that works prints its child's pid; busybox sh gives up at the first that fails.
        RuntimeSpec spec = Spec("sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do sleep 30 & echo $!; done");
        spec.Linux!.Resources = new LinuxResources { Pids = new LinuxPids { Limit = 10 } };

        var (status, stdout, stderr) = await RunToEndAsync(spec);

        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(9, "the shell and 9 children make 10 processes");
        stderr.Should().Contain("can't fork", "the 11th process is refused");
        status.ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task CpuQuota_TwentyPercent_UsageNearTwentyPercent()
    {
        RuntimeSpec spec = Spec("sh", "-c", "while :; do :; done");
        spec.Linux!.Resources = new LinuxResources { Cpu = new LinuxCpu { Quota = 20_000, Period = 100_000 } };
        IContainer container = await RunAsync(spec);

        ulong before = (await container.GetStatsAsync(Token)).Cpu.TotalUsage;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(1500, Token);
        ulong after = (await container.GetStatsAsync(Token)).Cpu.TotalUsage;
        double share = (after - before) / (wall.Elapsed.TotalMilliseconds * 1e6);

        // One run, its own wall clock as the measure, wide bounds: 20% of a cpu, not 100%.
        share.Should().BeInRange(0.05, 0.4);
    }

    [Fact]
    public async Task Pause_FreezesCounter_ResumeLetsItContinue()
    {
        string shared = Directory.CreateTempSubdirectory("lc-counter-").FullName;
        IContainer? container = null;
        try
        {
            RuntimeSpec spec = Spec("sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /out/counter; done");
            spec.Mounts!.Add(new Mount { Destination = "/out", Type = "bind", Source = shared, Options = ["rbind", "rw"] });
            container = await RunAsync(spec);
            string counter = Path.Combine(shared, "counter");
            await WaitForCounterAsync(counter, 10);

            await container.PauseAsync(Token);
            container.Status.Should().Be(ContainerStatus.Paused);
            container.GetState().Status.Should().Be("paused");
            long frozen = ReadCounter(counter);
            await Task.Delay(300, Token);
            ReadCounter(counter).Should().Be(frozen, "nothing runs while paused");

            await container.ResumeAsync(Token);
            container.Status.Should().Be(ContainerStatus.Running);
            await WaitForCounterAsync(counter, frozen + 10);
        }
        finally
        {
            if (container is not null)
            {
                await container.DestroyAsync(CancellationToken.None); // it writes into the directory until then
            }
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task Pause_WhenStopped_Throws()
    {
        IContainer container = await RunAsync(Spec("true"));
        await container.InitProcess.WaitForExitAsync(Token);

        Func<Task> pause = () => container.PauseAsync(Token);

        await pause.Should().ThrowAsync<InvalidOperationException>().WithMessage("*Stopped; Pause needs Running*");
    }

    [Fact]
    public async Task Stats_RunningContainer_CpuMemoryAndPidsReported()
    {
        IContainer container = await RunAsync(Spec("sh", "-c", "sleep 100 & sleep 100 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; wait"));
        await Task.Delay(300, Token);

        ContainerStats stats = await container.GetStatsAsync(Token);

        stats.Cpu.TotalUsage.Should().BeGreaterThan(0);
        stats.Memory.Usage.Should().BeGreaterThan(0);
        stats.Pids.Current.Should().Be(3);
        stats.Networks.Should().Contain(n => n.Name == "lo", "the container has its own network namespace with a loopback");
    }

    [Fact]
    public async Task Update_MemoryLimit_RaisedAndLoweredLive()
    {
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Linux!.Resources = new LinuxResources { Memory = new LinuxMemory { Limit = 64 * MiB } };
        IContainer container = await RunAsync(spec);
        (await container.GetStatsAsync(Token)).Memory.Limit.Should().Be(64 * MiB);

        await container.UpdateAsync(new LinuxResources { Memory = new LinuxMemory { Limit = 128 * MiB } }, Token);
        (await container.GetStatsAsync(Token)).Memory.Limit.Should().Be(128 * MiB);

        await container.UpdateAsync(new LinuxResources { Memory = new LinuxMemory { Limit = 48 * MiB } }, Token);
        (await container.GetStatsAsync(Token)).Memory.Limit.Should().Be(48 * MiB);
        container.Config.Linux!.Resources!.Memory!.Limit.Should().Be(48 * MiB);
        IContainer loaded = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot }).LoadAsync(container.Id, Token);
        loaded.Config.Linux!.Resources!.Memory!.Limit.Should().Be(48 * MiB, "the recorded config follows updates");
    }

    [Fact]
    public async Task Update_InvalidValue_RejectedAndNothingChanged()
    {
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Linux!.Resources = new LinuxResources { Memory = new LinuxMemory { Limit = 64 * MiB }, Pids = new LinuxPids { Limit = 50 } };
        IContainer container = await RunAsync(spec);

        Func<Task> update = () => container.UpdateAsync(new LinuxResources
        {
            Pids = new LinuxPids { Limit = 20 },
            Memory = new LinuxMemory { Swappiness = 500 },
        }, Token);

        (await update.Should().ThrowAsync<SpecValidationException>()).Which.Message.Should().Contain("linux.resources.memory.swappiness");
        ContainerStats stats = await container.GetStatsAsync(Token);
        stats.Pids.Limit.Should().Be(50, "validation comes before any write");
    }

    [Fact]
    public async Task Update_KernelRefusesLaterValue_EarlierWritesRolledBack()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));
        string cpuDirectory = CgroupDirectory(container, "/sys/fs/cgroup/cpu/");
        string sharesBefore = File.ReadAllText(Path.Combine(cpuDirectory, "cpu.shares")).Trim();

        // cpu.shares is written first and accepted; the realtime runtime is more than the parent has.
        Func<Task> update = () => container.UpdateAsync(new LinuxResources
        {
            Cpu = new LinuxCpu { Shares = 512, RealtimeRuntime = 990_000, RealtimePeriod = 1_000_000 },
        }, Token);

        (await update.Should().ThrowAsync<ContainerException>()).Which.Message.Should().Contain("cpu.rt_runtime_us");
        File.ReadAllText(Path.Combine(cpuDirectory, "cpu.shares")).Trim().Should().Be(sharesBefore, "the accepted write is rolled back");
        container.Config.Linux!.Resources?.Cpu?.Shares.Should().BeNull("a failed update does not change the recorded config");
    }

    [Fact]
    public async Task Processes_FromCgroup_IncludeEveryProcess()
    {
        IContainer container = await RunAsync(Spec("sh", "-c", "sleep 100 & sleep 100 & wait"));
        await Task.Delay(200, Token);

        (await container.GetProcessesAsync(Token)).Should().HaveCount(3).And.Contain(container.InitProcess.Pid);
    }

    private string CgroupDirectory(IContainer container, string prefix)
    {
        using var state = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(StateRoot, container.Id, "state.json")));
        return state.RootElement.GetProperty("cgroupDirectories").EnumerateArray().Select(e => e.GetString()!).Single(d => d.StartsWith(prefix, StringComparison.Ordinal));
    }

    private static long ReadCounter(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        return long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out long value) ? value : 0;
    }

    private static async Task WaitForCounterAsync(string path, long atLeast)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (ReadCounter(path) < atLeast)
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}

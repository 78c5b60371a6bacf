using System.Globalization;
using LibContainer.Checkpoint;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

/// <summary>Checkpoint and restore with the real CRIU (eng/criu-setup.sh installs one that works on this kernel).</summary>
public sealed class CheckpointTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private const string Counter = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done";
    private static readonly TimeSpan CriuTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CheckpointDestroyRestore_SameId_CounterGoesOnFromWhereItWas()
    {
        Require.Criu();
        string id = NewId();
        RuntimeSpec spec = CounterSpec;
        (IContainer container, StreamReader before, int seen) = await RunCounterAsync(atLeast: 5, id);
        string images = NewImageDirectory();

        await container.CheckpointAsync(new CheckpointOptions { ImagePath = images, Timeout = CriuTimeout }, Token);

        container.Status.Should().Be(ContainerStatus.Stopped, "without leave-running the processes end with the checkpoint");
        int last = await LastNumberAsync(before, seen);
        await container.DestroyAsync(Token);

        IContainer restored = await RestoreAsync(id, spec, new RestoreOptions { ImagePath = images, Stdout = StdioMode.Pipe, Timeout = CriuTimeout });

        restored.Status.Should().Be(ContainerStatus.Running);
        var after = new StreamReader(restored.InitProcess.StandardOutput!);
        int next = await NextNumberAsync(after);
        next.Should().Be(last + 1, "the shell's counter lives in its memory: it goes on from the checkpoint, the stdout pipe reconnected");
        (await NextNumberAsync(after)).Should().Be(last + 2);
    }

    [Fact]
    public async Task RestoreInPlace_TheCheckpointedContainerComesBackUnderItsId()
    {
        Require.Criu();
        (IContainer container, StreamReader before, int seen) = await RunCounterAsync(atLeast: 3);
        string images = NewImageDirectory();
        Func<Task> tooEarly = () => container.RestoreAsync(new RestoreOptions { ImagePath = images }, Token);
        await tooEarly.Should().ThrowAsync<InvalidOperationException>().WithMessage("*Running*needs Stopped*");
        await container.CheckpointAsync(new CheckpointOptions { ImagePath = images, Timeout = CriuTimeout }, Token);
        int last = await LastNumberAsync(before, seen);

        IContainer restored = await container.RestoreAsync(new RestoreOptions { ImagePath = images, Stdout = StdioMode.Pipe, Timeout = CriuTimeout }, Token);
        Track(restored);

        restored.Id.Should().Be(container.Id);
        restored.Status.Should().Be(ContainerStatus.Running);
        (await NextNumberAsync(new StreamReader(restored.InitProcess.StandardOutput!))).Should().Be(last + 1);
    }

    [Fact]
    public async Task Restore_64MiBOfPatternedMemory_PatternIntact()
    {
        Require.Criu();
        string rootfs = Fixture.CreatePrivateRootfs();
        await CompilePatternAsync(rootfs);
        RuntimeSpec spec = Spec("/bin/pattern");
        spec.Root!.Path = rootfs;
        IContainer container = await RunAsync(spec, new ContainerOptions { Stdout = StdioMode.Pipe });
        var before = new StreamReader(container.InitProcess.StandardOutput!);
        (await before.ReadLineAsync(Token)).Should().Be("ok 0");
        (await before.ReadLineAsync(Token)).Should().Be("ok 1");
        string images = NewImageDirectory();

        await container.CheckpointAsync(new CheckpointOptions { ImagePath = images, Timeout = CriuTimeout }, Token);
        await container.DestroyAsync(Token);

        long pages = Directory.EnumerateFiles(images, "pages-*.img").Sum(f => new FileInfo(f).Length);
        pages.Should().BeGreaterThanOrEqualTo(64L << 20, "the 64 MiB are in the images");
        IContainer restored = await RestoreAsync(NewId(), spec, new RestoreOptions { ImagePath = images, Stdout = StdioMode.Pipe, Timeout = CriuTimeout });
        var after = new StreamReader(restored.InitProcess.StandardOutput!);
        for (int i = 0; i < 3; i++)
        {
            string? line = await after.ReadLineAsync(Token);
            line.Should().StartWith("ok ", "every check of the 64 MiB after restore must pass");
        }
    }

    [Fact]
    public async Task Checkpoint_LeaveRunning_OriginalGoesOnAndACopyRestoresBesideIt()
    {
        Require.Criu();
        RuntimeSpec spec = CounterSpec;
        (IContainer original, StreamReader reader, int seen) = await RunCounterAsync(atLeast: 3);
        var sinceSeen = System.Diagnostics.Stopwatch.StartNew();
        string images = NewImageDirectory();

        await original.CheckpointAsync(new CheckpointOptions { ImagePath = images, LeaveRunning = true, Timeout = CriuTimeout }, Token);

        original.Status.Should().Be(ContainerStatus.Running);
        int atCheckpoint = await NextNumberAsync(reader);
        (await NextNumberAsync(reader)).Should().Be(atCheckpoint + 1, "the original keeps counting");

        IContainer copy = await RestoreAsync(NewId(), spec, new RestoreOptions { ImagePath = images, Stdout = StdioMode.Pipe, Timeout = CriuTimeout });

        copy.Status.Should().Be(ContainerStatus.Running);
        original.Status.Should().Be(ContainerStatus.Running);
        copy.InitProcess.Pid.Should().NotBe(original.InitProcess.Pid);
        int copied = await NextNumberAsync(new StreamReader(copy.InitProcess.StandardOutput!));
        // The copy prints the count at the dump plus one (a restart would print 1): the dump came after `seen`
        // was printed, and the counter (one a tenth of a second at most) cannot have gone further since.
        int reachable = seen + 2 + (int)(sinceSeen.Elapsed.TotalSeconds * 10);
        copied.Should().BeInRange(seen + 1, reachable, "the copy starts from the checkpoint");
    }

    [Fact]
    public async Task Checkpoint_Paused_LeaveRunningKeepsItPausedAndItResumes()
    {
        Require.Criu();
        (IContainer container, StreamReader reader, _) = await RunCounterAsync(atLeast: 3);
        await container.PauseAsync(Token);

        await container.CheckpointAsync(new CheckpointOptions { ImagePath = NewImageDirectory(), LeaveRunning = true, Timeout = CriuTimeout }, Token);

        container.Status.Should().Be(ContainerStatus.Paused, "CRIU freezes through the container's cgroup and leaves a paused container paused");
        await container.ResumeAsync(Token);
        int next = await NextNumberAsync(reader);
        (await NextNumberAsync(reader)).Should().Be(next + 1);
    }

    [Fact]
    public async Task PreDumpThenDump_Restores_OrSaysTheKernelCannotTrackMemory()
    {
        Require.Criu();
        string id = NewId();
        RuntimeSpec spec = CounterSpec;
        (IContainer container, StreamReader reader, int seen) = await RunCounterAsync(atLeast: 3, id);
        string root = NewImageDirectory();
        string pre = Path.Combine(root, "pre");
        string final = Path.Combine(root, "final");

        Func<Task> preDump = () => container.CheckpointAsync(new CheckpointOptions { ImagePath = pre, PreDump = true, Timeout = CriuTimeout }, Token);

        if (!KernelTracksMemory())
        {
            (await preDump.Should().ThrowAsync<CheckpointException>())
                .Which.Should().Match<CheckpointException>(e => e.Failure == CriuFailure.Unsupported && e.Message.Contains("CONFIG_MEM_SOFT_DIRTY"));
            container.Status.Should().Be(ContainerStatus.Running, "a refused pre-dump leaves the container alone");
            return;
        }
        await preDump();
        container.Status.Should().Be(ContainerStatus.Running, "a pre-dump leaves the container running");
        await container.CheckpointAsync(new CheckpointOptions { ImagePath = final, ParentPath = "../pre", Timeout = CriuTimeout }, Token);
        int last = await LastNumberAsync(reader, seen);
        await container.DestroyAsync(Token);

        IContainer restored = await RestoreAsync(id, spec, new RestoreOptions { ImagePath = final, Stdout = StdioMode.Pipe, Timeout = CriuTimeout });

        (await NextNumberAsync(new StreamReader(restored.InitProcess.StandardOutput!))).Should().Be(last + 1);
    }

    [Fact]
    public async Task Restore_NewIdWhileTheOldIsGone_LoadsStatusAndDestroysLeavingNothing()
    {
        Require.Criu();
        RuntimeSpec spec = Spec("sh", "-c", "sleep 1000 & sleep 1000");
        spec.Linux!.Resources = new LinuxResources { Pids = new LinuxPids { Limit = 50 } };
        IContainer old = await RunAsync(spec, new ContainerOptions());
        string images = NewImageDirectory();
        await old.CheckpointAsync(new CheckpointOptions { ImagePath = images, Timeout = CriuTimeout }, Token);
        await old.DestroyAsync(Token);
        string id = NewId();

        IContainer restored = await RestoreAsync(id, spec, new RestoreOptions { ImagePath = images, Timeout = CriuTimeout });

        var other = new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot });
        IContainer loaded = await other.LoadAsync(id, Token);
        loaded.Status.Should().Be(ContainerStatus.Running);
        loaded.GetState().Pid.Should().Be(restored.InitProcess.Pid);
        IReadOnlyList<int> pids = await loaded.GetProcessesAsync(Token);
        pids.Should().HaveCount(2, "both processes of the tree are restored, into the new container's cgroup");
        File.ReadAllText($"/proc/{restored.InitProcess.Pid}/cgroup").Should().Contain($"/{id}");
        File.ReadAllText($"/sys/fs/cgroup/pids/{id}/pids.max").Trim().Should().Be("50", "the spec's limits are applied to the new cgroup");

        await loaded.DestroyAsync(Token);

        (await restored.InitProcess.WaitForExitAsync(Token)).Signal.Should().Be((int)Signal.Kill);
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
        HostSnapshot.CgroupDirectories().Should().NotContain(d => d.EndsWith("/" + id, StringComparison.Ordinal));
        pids.Should().OnlyContain(p => !Directory.Exists($"/proc/{p}"), "every restored process is gone, none left a zombie");
    }

    [Fact]
    public async Task Restore_JoinedNetworkNamespace_TheTreeGoesBackIntoIt()
    {
        Require.Criu();
        using var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("unshare", "--net sleep 1000"))!;
        try
        {
            string netns = $"/proc/{holder.Id}/ns/net";
            await WaitForAsync(() => File.Exists(netns) && ProcessTreeLink(netns) != ProcessTreeLink("/proc/self/ns/net"));
            RuntimeSpec spec = Spec("sleep", "1000");
            spec.Linux!.Namespaces = [.. spec.Linux.Namespaces!.Where(n => n.Type != "network"), new LinuxNamespace { Type = "network", Path = netns }];
            IContainer old = await RunAsync(spec, new ContainerOptions());
            string images = NewImageDirectory();
            await old.CheckpointAsync(new CheckpointOptions { ImagePath = images, Timeout = CriuTimeout }, Token);
            await old.DestroyAsync(Token);

            IContainer restored = await RestoreAsync(NewId(), spec, new RestoreOptions { ImagePath = images, Timeout = CriuTimeout });

            ProcessTreeLink($"/proc/{restored.InitProcess.Pid}/ns/net").Should().Be(ProcessTreeLink(netns), "a joined namespace is not the container's to dump: it is joined again");
            ProcessTreeLink($"/proc/{restored.InitProcess.Pid}/ns/pid").Should().NotBe(ProcessTreeLink("/proc/self/ns/pid"));
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync(Token);
        }
    }

    [Fact]
    public async Task Checkpoint_CriuAbsent_SaysSoAndLeavesTheContainerRunning()
    {
        IContainer container = await RunAsync(Spec("sleep", "1000"), new ContainerOptions());
        string images = NewImageDirectory();

        Func<Task> checkpoint = () => container.CheckpointAsync(new CheckpointOptions { ImagePath = images, CriuPath = "/nonexistent/criu" }, Token);

        (await checkpoint.Should().ThrowAsync<CheckpointException>())
            .Which.Should().Match<CheckpointException>(e => e.Failure == CriuFailure.NotFound && e.Message.Contains("/nonexistent/criu"));
        container.Status.Should().Be(ContainerStatus.Running);
    }

    [Fact]
    public async Task Checkpoint_DebiansOwnCriu_TooOldForThisKernelOrWorks()
    {
        // Debian 12's package (3.17): on kernels from 6.13 every dump fails in its vDSO check; the library says so first.
        const string debianCriu = "/usr/sbin/criu";
        Require.File(debianCriu, "Debian's criu package is not installed: apt-get install -y criu");
        Version version = Criu.ParseVersion(await OutputOfAsync(debianCriu, "--version"))!;
        string release = File.ReadAllText("/proc/sys/kernel/osrelease");
        Version kernel = Version.Parse(string.Join('.', release.Split('.', '-').Take(2)));
        IContainer container = await RunAsync(Spec("sleep", "1000"), new ContainerOptions());
        var options = new CheckpointOptions { ImagePath = NewImageDirectory(), CriuPath = debianCriu, LeaveRunning = true, Timeout = CriuTimeout };

        Func<Task> checkpoint = () => container.CheckpointAsync(options, Token);

        if (Criu.TooOld(version, kernel) is null)
        {
            await checkpoint.Should().NotThrowAsync();
            return;
        }
        (await checkpoint.Should().ThrowAsync<CheckpointException>())
            .Which.Should().Match<CheckpointException>(e => e.Failure == CriuFailure.TooOld && e.Message.Contains($"CRIU {version}") && e.Message.Contains($"kernel {kernel}"));
        container.Status.Should().Be(ContainerStatus.Running);
    }

    [Fact]
    public async Task Checkpoint_Terminal_RefusedByName()
    {
        RuntimeSpec spec = Spec("sleep", "1000");
        spec.Process!.Terminal = true;
        IContainer container = await RunAsync(spec, new ContainerOptions { Stdout = StdioMode.Null, Stderr = StdioMode.Null });

        Func<Task> checkpoint = () => container.CheckpointAsync(new CheckpointOptions { ImagePath = NewImageDirectory() }, Token);

        (await checkpoint.Should().ThrowAsync<CheckpointException>())
            .Which.Should().Match<CheckpointException>(e => e.Failure == CriuFailure.Unsupported && e.Message.Contains("process.terminal"));
        container.Status.Should().Be(ContainerStatus.Running);
    }

    [Fact]
    public async Task Checkpoint_CreatedContainer_Refused()
    {
        IContainer container = await CreateAsync(Spec("true"), new ContainerOptions());

        Func<Task> checkpoint = () => container.CheckpointAsync(new CheckpointOptions { ImagePath = NewImageDirectory() }, Token);

        (await checkpoint.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*Created*Checkpoint needs Running or Paused*");
    }

    private static string? ProcessTreeLink(string path) => new FileInfo(path).LinkTarget;

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20, Token);
        }
        condition().Should().BeTrue();
    }

    /// <summary>A shell counting in its memory, one number a line on stdout every 100 ms.</summary>
    private RuntimeSpec CounterSpec => Spec("sh", "-c", Counter);

    /// <summary>A running counter, its stdout read until it printed <paramref name="atLeast"/> (returned as Seen).</summary>
    private async Task<(IContainer Container, StreamReader Stdout, int Seen)> RunCounterAsync(int atLeast, string? id = null)
    {
        IContainer container = await RunAsync(CounterSpec, new ContainerOptions { Stdout = StdioMode.Pipe }, id);
        var stdout = new StreamReader(container.InitProcess.StandardOutput!);
        return (container, stdout, await ReadUntilAsync(stdout, n => n >= atLeast));
    }

    private string NewImageDirectory() => Path.Combine(Fixture.WorkDir, $"images-{Guid.NewGuid():N}");

    private static async Task<int> ReadUntilAsync(StreamReader reader, Func<int, bool> done)
    {
        int n;
        while (!done(n = await NextNumberAsync(reader)))
        {
        }
        return n;
    }

    private static async Task<int> NextNumberAsync(StreamReader reader)
    {
        string line = await reader.ReadLineAsync(Token) ?? throw new EndOfStreamException("the container's stdout ended");
        return int.Parse(line, CultureInfo.InvariantCulture);
    }

    /// <summary>The last number before the stdout ends (the checkpoint ended the process); <paramref name="last"/> if none came after it.</summary>
    private static async Task<int> LastNumberAsync(StreamReader reader, int last)
    {
        while (await reader.ReadLineAsync(Token) is { } line)
        {
            last = int.Parse(line, CultureInfo.InvariantCulture);
        }
        return last;
    }

    private static async Task<string> OutputOfAsync(string program, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        string output = await process.StandardOutput.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        return output;
    }

    private static bool KernelTracksMemory()
    {
        using var criu = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("criu", "check --feature mem_dirty_track") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        criu.StandardOutput.ReadToEnd();
        criu.StandardError.ReadToEnd();
        criu.WaitForExit();
        return criu.ExitCode == 0;
    }

    private static async Task CompilePatternAsync(string rootfs)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Checkpoint", "pattern.c");
        using var gcc = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("gcc", ["-static", "-O2", "-o", Path.Combine(rootfs, "bin", "pattern"), source]) { RedirectStandardError = true })!;
        string errors = await gcc.StandardError.ReadToEndAsync(Token);
        await gcc.WaitForExitAsync(Token);
        gcc.ExitCode.Should().Be(0, errors);
    }
}

using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Processes;
using LibContainer.State;

namespace LibContainer.IntegrationTests.Recovery;

/// <summary>
/// What a crash (of the host, of lcrun) can leave, arranged directly: every such leftover must load,
/// list with a status a user can act on, and destroy without a trace.
/// </summary>
public sealed class RecoveryTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task Destroy_UnifiedCgroupDirectoryGone_RemovesTheRest()
    {
        // A create or destroy killed between its cgroup mkdirs/rmdirs: cgroup.events of the unified
        // directory read ENOENT, and the container could never be deleted.
        IContainer container = await RunAsync(Spec("true"));
        await container.InitProcess.WaitForExitAsync(Token);
        Leftovers left = Leftovers.Of(StateRoot, container.Id);
        string unified = left.CgroupDirectories.Single(d => d.StartsWith("/sys/fs/cgroup/unified/", StringComparison.Ordinal));
        Directory.Delete(unified);

        IContainer loaded = await FreshFactory().LoadAsync(container.Id, Token);
        loaded.Status.Should().Be(ContainerStatus.Stopped);
        await loaded.DestroyAsync(Token);

        left.AssertNoneLeft();
    }

    [Fact]
    public async Task Destroy_CgroupDirectoriesNeverMade_RemovesTheState()
    {
        // A create killed after recording its cgroups and before making them all.
        IContainer container = await RunAsync(Spec("true"));
        await container.InitProcess.WaitForExitAsync(Token);
        Leftovers left = Leftovers.Of(StateRoot, container.Id);
        foreach (string directory in left.CgroupDirectories.OrderByDescending(d => d.Length).Take(3))
        {
            Directory.Delete(directory);
        }

        IContainer loaded = await FreshFactory().LoadAsync(container.Id, Token);
        await loaded.DestroyAsync(Token);

        left.AssertNoneLeft();
    }

    [Fact]
    public async Task Status_ExecdButFifoLeft_RunningAndStartFailsAtOnce()
    {
        // A start killed between the init's exec and the fifo's unlink: the fifo stays, the program runs.
        IContainer container = await CreateAsync(Spec("sleep", "1000"));
        string fifo = Path.Combine(StateRoot, container.Id, StateDirectory.FifoName);
        using (var reader = new FileStream(fifo, FileMode.Open, FileAccess.Read))
        {
            await reader.CopyToAsync(Stream.Null, Token); // "0", then end of file at the exec
        }
        File.Exists(fifo).Should().BeTrue();

        IContainer loaded = await FreshFactory().LoadAsync(container.Id, Token);

        loaded.Status.Should().Be(ContainerStatus.Running);
        loaded.GetState().Status.Should().Be("running");
        Func<Task> start = () => loaded.StartAsync(Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*is Running*");
        await loaded.DestroyAsync(Token);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task List_CreateDiedBeforeState_ListedStoppedAndDestroyed(bool withConfig)
    {
        // A create killed after its mkdir (and maybe its config.json), before state.json: the id is taken.
        string id = NewId();
        string directory = Path.Combine(StateRoot, id);
        Directory.CreateDirectory(directory);
        if (withConfig)
        {
            File.WriteAllText(Path.Combine(directory, StateDirectory.ConfigFileName), Spec("true").ToJson());
        }
        ContainerFactory factory = FreshFactory();

        (await factory.ListAsync(Token)).Should().Contain(id);
        IContainer loaded = await factory.LoadAsync(id, Token);
        loaded.Status.Should().Be(ContainerStatus.Stopped, "nothing holds its lock: the create died and never finishes");
        await loaded.DestroyAsync(Token);

        Directory.Exists(directory).Should().BeFalse();
        (await factory.ListAsync(Token)).Should().NotContain(id);
    }

    [Fact]
    public async Task Status_CreateHoldingTheLock_Creating()
    {
        string id = NewId();
        StateDirectory dir = StateDirectory.Create(StateRoot, id);
        using (await dir.LockAsync(Token))
        {
            (await FreshFactory().LoadAsync(id, Token)).Status.Should().Be(ContainerStatus.Creating);
        }
        (await FreshFactory().LoadAsync(id, Token)).Status.Should().Be(ContainerStatus.Stopped);
        dir.Delete();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("{\"id\":")]
    public async Task Destroy_StateJsonCorrupted_KillsTheInitAndRemovesEverything(string content)
    {
        // runc leaves such a container (its init, its cgroups, its state); destroy must work from what is left.
        IContainer container = await RunAsync(Spec("sleep", "1000"));
        Leftovers left = Leftovers.Of(StateRoot, container.Id);
        File.WriteAllText(Path.Combine(StateRoot, container.Id, StateDirectory.StateFileName), content);
        ContainerFactory factory = FreshFactory();

        (await factory.ListAsync(Token)).Should().Contain(container.Id);
        IContainer loaded = await factory.LoadAsync(container.Id, Token);
        loaded.InitProcess.Pid.Should().Be(left.Pid, "the init is found in the cgroups the id implies");
        loaded.Status.Should().Be(ContainerStatus.Running);
        await loaded.DestroyAsync(Token);

        (await container.InitProcess.WaitForExitAsync(Token)).Signal.Should().Be((int)Signal.Kill);
        left.AssertNoneLeft();
    }

    [Fact]
    public async Task Create_StateFileSystemFull_NamesTheStateRootAndLeavesNothing()
    {
        await OnMountedStateRootAsync("mount -t tmpfs -o size=64k tmpfs {0} && dd if=/dev/zero of={0}/filler bs=4k count=64 2>/dev/null; true", async root =>
        {
            var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = root });
            Func<Task> create = () => factory.CreateAsync(NewId(), Spec("true"), Piped, Token);

            ContainerException error = (await create.Should().ThrowAsync<ContainerException>()).Which;
            error.Message.Should().Contain($"under the state root {root} failed: No space left on device (errno 28)").And.NotContain(".tmp");
            Directory.EnumerateFileSystemEntries(root).Should().Equal([Path.Combine(root, "filler")], "a failed create leaves nothing, no temporary file");
        });
    }

    [Fact]
    public async Task Load_AfterExit_StateRootWithoutUserXattrs_ExitRecordedInStateJson()
    {
        // ramfs keeps no extended attributes: the exit record falls back to a rewrite of state.json.
        await OnMountedStateRootAsync("mount -t ramfs ramfs {0}", async root =>
        {
            var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = root });
            await using IContainer first = await factory.CreateAsync(NewId(), Spec("sh", "-c", "exit 6"), Piped, Token);
            await first.StartAsync(Token);
            (await first.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(6);

            await WaitUntilAsync(() => File.ReadAllText(Path.Combine(root, first.Id, "state.json")).Contains("\"exitCode\":6", StringComparison.Ordinal));
            Interop.Sys.TryGetXattr(Path.Combine(root, first.Id), StateDirectory.ExitAttribute).Should().BeNull();
            IContainer again = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = root }).LoadAsync(first.Id, Token);
            (await again.InitProcess.WaitForExitAsync(Token)).ExitCode.Should().Be(6);
            await first.DestroyAsync(Token);
            Directory.EnumerateFileSystemEntries(root).Should().BeEmpty();
        });
    }

    /// <summary>Runs <paramref name="test"/> with a state root on a file system mounted by <paramref name="mount"/> ({0}: the directory), unmounted after.</summary>
    private async Task OnMountedStateRootAsync(string mount, Func<string, Task> test)
    {
        string root = Path.Combine(Fixture.WorkDir, $"mounted-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        Shell(string.Format(System.Globalization.CultureInfo.InvariantCulture, mount, root));
        try
        {
            await test(root);
        }
        finally
        {
            Shell($"umount {root}");
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Shell(string command)
    {
        using var shell = System.Diagnostics.Process.Start("/bin/sh", ["-c", command]);
        shell.WaitForExit();
        shell.ExitCode.Should().Be(0, command);
    }

    private ContainerFactory FreshFactory() => new(new ContainerFactoryOptions { StateRoot = StateRoot });
}

/// <summary>What a container holds on the host (state directory, cgroup directories, init), to prove none of it is left.</summary>
internal sealed record Leftovers(string StateDirectory, IReadOnlyList<string> CgroupDirectories, int Pid, ulong StartTime)
{
    public static Leftovers Of(string stateRoot, string id)
    {
        StoredState state = State.StateDirectory.Open(stateRoot, id).Read();
        return new Leftovers(Path.Combine(stateRoot, id), state.CgroupDirectories ?? [], state.Pid, state.PidStartTime);
    }

    public void AssertNoneLeft()
    {
        Directory.Exists(StateDirectory).Should().BeFalse("the state directory must be removed");
        CgroupDirectories.Where(Directory.Exists).Should().BeEmpty("every cgroup directory must be removed");
        if (Pid > 0)
        {
            (ProcStat.TryRead(Pid) is { } stat && stat.StartTime == StartTime).Should().BeFalse($"the init {Pid} must be gone, zombie included");
        }
    }
}

using FluentAssertions;
using LibContainer.Spec;
using LibContainer.State;
using Xunit;

namespace LibContainer.Tests.State;

public sealed class StateDirectoryTests : IDisposable
{
    private static readonly TimeSpan s_generous = TimeSpan.FromSeconds(5);

    private readonly string _root = Path.Combine(Directory.CreateTempSubdirectory("lc-state-").FullName, "run");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_root)!, recursive: true);

    private static StoredState NewState(string id = "web") => new()
    {
        Id = id,
        Phase = StoredState.PhaseCreated,
        Pid = 4242,
        PidStartTime = 89088,
        Bundle = "/bundles/web",
        Rootfs = "/bundles/web/rootfs",
        Created = new DateTimeOffset(2024, 5, 1, 12, 30, 15, 123, TimeSpan.Zero),
        ExitCode = 3,
        ExitSignal = 9,
        CgroupPath = "/web",
        CgroupDirectories = ["/sys/fs/cgroup/memory/web", "/sys/fs/cgroup/unified/web"],
        CgroupsCreated = ["/sys/fs/cgroup/unified/web"],
    };

    [Theory]
    [InlineData(7, null, "4242 7 -1")]
    [InlineData(0, null, "4242 0 -1")]
    [InlineData(null, 9, "4242 -1 9")]
    public void RecordExit_SetsTheAttributeOnce_ReadBackForThatPidOnly(int? code, int? signal, string attribute)
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        StoredState state = NewState() with { ExitCode = null, ExitSignal = null };
        dir.Write(state);
        ExitStatus status = code is int c ? ExitStatus.FromExitCode(c) : ExitStatus.FromSignal(signal!.Value);

        dir.RecordExit(state, status);
        dir.RecordExit(state, ExitStatus.FromExitCode(99)); // a second record changes nothing

        System.Text.Encoding.ASCII.GetString(Interop.Sys.TryGetXattr(dir.Path, StateDirectory.ExitAttribute)!).Should().Be(attribute);
        dir.RecordedExit(dir.Read()).Should().Be(status);
        dir.RecordedExit(state with { Pid = 4243 }).Should().BeNull("the record names the init it is about");
        File.ReadAllText(dir.StateFile).Should().NotContain("exitCode", "the record is no rewrite of state.json");
    }

    [Fact]
    public void RecordedExit_StateJsonsOwn_WinsAndNeedsNoAttribute()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");

        dir.RecordedExit(NewState() with { ExitCode = 3, ExitSignal = null }).Should().Be(ExitStatus.FromExitCode(3));
        dir.RecordedExit(NewState() with { ExitCode = null, ExitSignal = null }).Should().BeNull();
    }

    [Fact]
    public void Create_NewId_MakesThePrivateDirectoryAndItsRoot()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");

        dir.Id.Should().Be("web");
        dir.Path.Should().Be(Path.Combine(_root, "web"));
        dir.StateFile.Should().Be(Path.Combine(_root, "web", "state.json"));
        dir.FifoPath.Should().Be(Path.Combine(_root, "web", "exec.fifo"));
        dir.Exists.Should().BeTrue();
        Directory.Exists(dir.Path).Should().BeTrue();
        const UnixFileMode Readable = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        (File.GetUnixFileMode(dir.Path) & Readable).Should().Be(UnixFileMode.None, "mode 0711 whatever the umask");
    }

    [Fact]
    public void Create_SameIdTwice_ThrowsAlreadyExists()
    {
        StateDirectory.Create(_root, "web");

        Action create = () => StateDirectory.Create(_root, "web");

        create.Should().Throw<ContainerAlreadyExistsException>().WithMessage("A container with id 'web' already exists*")
            .Which.ContainerId.Should().Be("web");
    }

    [Fact]
    public void Open_NeverCreated_DoesNotExist()
    {
        StateDirectory dir = StateDirectory.Open(_root, "ghost");

        dir.Exists.Should().BeFalse();
        dir.TryRead().Should().BeNull();
    }

    [Fact]
    public void WriteThenRead_StoredState_RoundTrips()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        StoredState state = NewState();

        dir.Write(state);
        StoredState read = StateDirectory.Open(_root, "web").Read();

        read.Should().BeEquivalentTo(state, options => options.ComparingRecordsByMembers());
    }

    [Fact]
    public void Read_FileOfAnEarlierVersion_ReadsWhatItKnowsAndSkipsTheRest()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        // As System.Text.Json's serializer wrote it (non-ASCII and '+' escaped), plus a property of some later version.
        File.WriteAllText(dir.StateFile, """
            {"id":"web","phase":"created","pid":4242,"pidStartTime":89088,"bundle":"/b\u002Bx/\u00E9",
             "rootfs":"/r","created":"2024-05-01T12:30:15.123+00:00","exitCode":null,"future":{"a":[1,{"b":2}]},
             "cgroupDirectories":["/sys/fs/cgroup/memory/web"],"cgroupsCreated":[]}
            """);

        StoredState read = dir.Read();

        read.Should().BeEquivalentTo(NewState() with
        {
            Bundle = "/b+x/\u00e9",
            Rootfs = "/r",
            ExitCode = null,
            ExitSignal = null,
            CgroupPath = null,
            CgroupDirectories = ["/sys/fs/cgroup/memory/web"],
            CgroupsCreated = [],
        }, options => options.ComparingRecordsByMembers());
    }

    [Theory]
    [InlineData("""{"id":"web","phase":"created",""", "malformed JSON")]
    [InlineData("""{"id":"web","phase":"created","pid":"12","rootfs":"/r"}""", "pid: expected a 32-bit integer, got \"12\"")]
    [InlineData("""{"id":"web","phase":"created"}""", "rootfs: required property is missing")]
    [InlineData("""{"id":"web","phase":"created","rootfs":"/r","created":"yesterday"}""", "created: expected an ISO 8601 time")]
    [InlineData("""[]""", "expected an object")]
    public void Read_DamagedFile_ThrowsNamingTheFile(string json, string reason)
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        File.WriteAllText(dir.StateFile, json);

        Action read = () => dir.Read();

        read.Should().Throw<ContainerException>().WithMessage($"Container 'web': {dir.StateFile} cannot be read: *{reason}*");
    }

    [Fact]
    public void WriteConfigThenReadConfig_SpecRoundTripsBesideTheState()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Hostname = "kept";

        dir.WriteConfig(spec);
        dir.Write(NewState());

        StateDirectory.Open(_root, "web").ReadConfig().ToJson().Should().Be(spec.ToJson());
        File.ReadAllText(dir.StateFile).Should().NotContain("ociVersion", "the spec is not repeated in every state write");
    }

    [Fact]
    public void WriteThenRead_OptionalFieldsUnset_StayUnset()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        StoredState state = NewState() with { Phase = StoredState.PhaseCreating, Pid = 0, Bundle = null, ExitCode = null, ExitSignal = null };

        dir.Write(state);

        StoredState read = dir.Read();
        read.Phase.Should().Be("creating");
        read.Bundle.Should().BeNull();
        read.ExitCode.Should().BeNull();
        read.ExitSignal.Should().BeNull();
        File.ReadAllText(dir.StateFile).Should().NotContain("exitCode").And.NotContain("\"bundle\"");
    }

    [Fact]
    public void Write_Twice_ReadsTheLatest()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        dir.Write(NewState() with { Phase = StoredState.PhaseCreating, Pid = 0 });

        dir.Write(NewState() with { Pid = 777 });

        StoredState read = dir.Read();
        read.Phase.Should().Be(StoredState.PhaseCreated);
        read.Pid.Should().Be(777);
    }

    [Fact]
    public void Write_Always_LeavesOnlyStateJson()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");

        dir.Write(NewState());
        dir.Write(NewState());

        Directory.GetFileSystemEntries(dir.Path).Should().Equal(dir.StateFile);
    }

    [Fact]
    public void Read_NoStateFile_ThrowsNamingTheContainer()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");

        Action read = () => dir.Read();

        dir.TryRead().Should().BeNull();
        read.Should().Throw<ContainerException>().WithMessage("Container 'web' has no readable *state.json.");
    }

    [Fact]
    public async Task LockAsync_Held_SecondWaitsUntilTheFirstIsDisposed()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        IDisposable? first = await dir.LockAsync(TestContext.Current.CancellationToken);
        first.Should().NotBeNull();

        Task<IDisposable?> second = StateDirectory.Open(_root, "web").LockAsync(TestContext.Current.CancellationToken);
        // Only "not yet": a slow machine can make this pass for a broken lock, never fail a working one.
        Task winner = await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken));
        winner.Should().NotBeSameAs(second, "the first lock is still held");

        first!.Dispose();
        winner = await Task.WhenAny(second, Task.Delay(s_generous, TestContext.Current.CancellationToken));
        winner.Should().BeSameAs(second, "the first lock was released");
        using IDisposable? lockAfter = await second;
        lockAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task LockAsync_AfterDispose_TakesItAgain()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        (await dir.LockAsync(TestContext.Current.CancellationToken))!.Dispose();

        Task<IDisposable?> again = dir.LockAsync(TestContext.Current.CancellationToken);

        (await Task.WhenAny(again, Task.Delay(s_generous, TestContext.Current.CancellationToken))).Should().BeSameAs(again);
        using IDisposable? held = await again;
        held.Should().NotBeNull();
    }

    [Fact]
    public async Task LockAsync_CancelledWhileWaiting_ThrowsAndReleasesNothing()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        IDisposable? first = await dir.LockAsync(TestContext.Current.CancellationToken);
        using var cancel = new CancellationTokenSource();

        Task<IDisposable?> waiting = dir.LockAsync(cancel.Token);
        await cancel.CancelAsync();

        Func<Task> wait = () => waiting.WaitAsync(s_generous, TestContext.Current.CancellationToken);
        await wait.Should().ThrowAsync<OperationCanceledException>();
        first!.Dispose();
        using IDisposable? next = await dir.LockAsync(TestContext.Current.CancellationToken).WaitAsync(s_generous, TestContext.Current.CancellationToken);
        next.Should().NotBeNull();
    }

    [Fact]
    public async Task LockAsync_DeletedDirectory_ReturnsNull()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        dir.Delete();

        IDisposable? held = await dir.LockAsync(TestContext.Current.CancellationToken);

        held.Should().BeNull();
        (await StateDirectory.Open(_root, "never").LockAsync(TestContext.Current.CancellationToken)).Should().BeNull();
    }

    [Fact]
    public void Delete_Twice_IsIdempotent()
    {
        StateDirectory dir = StateDirectory.Create(_root, "web");
        dir.Write(NewState());

        dir.Delete();
        Action again = dir.Delete;

        again.Should().NotThrow();
        dir.Exists.Should().BeFalse();
        Directory.Exists(_root).Should().BeTrue("only the container's directory goes");
    }

    [Fact]
    public void Create_AfterDelete_ReusesTheId()
    {
        StateDirectory.Create(_root, "web").Delete();

        StateDirectory dir = StateDirectory.Create(_root, "web");

        dir.Exists.Should().BeTrue();
    }

    [Fact]
    public async Task LockAsync_DirectoryGone_NullAndNoLockTableEntryLeft()
    {
        // An exit record written after destroy removed the directory: its lock attempt must leave no entry.
        StateDirectory dir = StateDirectory.Create(_root, "gone");
        dir.Delete();

        (await dir.LockAsync(CancellationToken.None)).Should().BeNull();

        StateDirectory.LockTableEntries.Should().NotContain(dir.Path);
    }
}

using LibContainer.IntegrationTests.Infrastructure;

namespace LibContainer.IntegrationTests;

/// <summary>Checkpoint and restore failures that must leave nothing: they look at all our children, so they run alone.</summary>
[Collection(HostWideChecks.Name)]
public sealed class CheckpointCleanupTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private static readonly TimeSpan CriuTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Checkpoint_Timeout_CriuIsKilledAndTheErrorSaysSo()
    {
        Require.Criu();
        IContainer container = await RunAsync(Spec("sleep", "1000"), new ContainerOptions());
        HostSnapshot before = HostSnapshot.Take();

        Func<Task> checkpoint = () => container.CheckpointAsync(
            new CheckpointOptions { ImagePath = NewImageDirectory(), LeaveRunning = true, Timeout = TimeSpan.FromMilliseconds(1) }, Token);

        (await checkpoint.Should().ThrowAsync<CheckpointException>())
            .Which.Should().Match<CheckpointException>(e => e.Failure == CriuFailure.Failed && e.Message.Contains("did not finish within 0.001 s (CriuOptions.Timeout) and was killed"));
        HostSnapshot.ChildPids().Should().BeSubsetOf(before.Children, "the killed criu is reaped");
        container.Status.Should().Be(ContainerStatus.Running, "a cgroup the killed criu froze is thawed");
    }

    [Fact]
    public async Task Restore_FromNoCheckpoint_FailsWithCriusLogAndLeavesNothing()
    {
        Require.Criu();
        string images = NewImageDirectory();
        Directory.CreateDirectory(images);
        string id = NewId();
        HostSnapshot before = HostSnapshot.Take();

        Func<Task> restore = () => Factory.RestoreAsync(id, Spec("sh"), new RestoreOptions { ImagePath = images, Timeout = CriuTimeout }, Token);

        CheckpointException error = (await restore.Should().ThrowAsync<CheckpointException>()).Which;
        error.Failure.Should().Be(CriuFailure.Failed);
        error.LogPath.Should().Be(Path.Combine(images, "restore.log"));
        error.LogTail.Should().NotBeNullOrWhiteSpace();
        error.Message.Should().Contain("criu restore failed").And.Contain(error.LogTail!);
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
        HostSnapshot.CgroupDirectories().Should().NotContain(d => d.EndsWith("/" + id, StringComparison.Ordinal));
        HostSnapshot.ChildPids().Should().BeSubsetOf(before.Children);
    }

    private string NewImageDirectory() => Path.Combine(Fixture.WorkDir, $"images-{Guid.NewGuid():N}");
}

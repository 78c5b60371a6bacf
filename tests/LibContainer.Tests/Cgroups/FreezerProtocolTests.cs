using System.Threading.Channels;
using FluentAssertions;
using LibContainer.Cgroups;
using Xunit;

namespace LibContainer.Tests.Cgroups;

/// <summary>The file protocols of the freezers and of v2 memory.events, on files in a temp directory.</summary>
public sealed class FreezerProtocolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lc-freezer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task V1_Freeze_WritesFrozenAndWaitsForIt()
    {
        File.WriteAllText(Path.Combine(_dir, "freezer.state"), "THAWED\n");
        var freezer = new Freezer.V1(_dir);

        await freezer.FreezeAsync(TestContext.Current.CancellationToken);

        File.ReadAllText(Path.Combine(_dir, "freezer.state")).Should().Be("FROZEN");
        freezer.IsFrozen.Should().BeTrue();
    }

    [Fact]
    public async Task V2_Freeze_WaitsUntilEventsSayFrozen()
    {
        File.WriteAllText(Path.Combine(_dir, "cgroup.freeze"), "0\n");
        File.WriteAllText(Path.Combine(_dir, "cgroup.events"), "populated 1\nfrozen 0\n");
        var freezer = new Freezer.V2(_dir);

        Task freeze = freezer.FreezeAsync(TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        freeze.IsCompleted.Should().BeFalse("the kernel has not said frozen yet");
        File.ReadAllText(Path.Combine(_dir, "cgroup.freeze")).Should().Be("1");
        File.WriteAllText(Path.Combine(_dir, "cgroup.events"), "populated 1\nfrozen 1\n");

        await freeze.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        freezer.IsFrozen.Should().BeTrue();
    }

    [Fact]
    public async Task MemoryEvents_OomKillCounterGrows_EventWithTheDifference()
    {
        string events = Path.Combine(_dir, "memory.events");
        File.WriteAllText(events, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        var channel = Channel.CreateUnbounded<ContainerEvent>();
        using var stop = new CancellationTokenSource();
        Task watch = CgroupEvents.WatchMemoryEventsAsync(events, channel.Writer, stop.Token);
        await Task.Delay(50, TestContext.Current.CancellationToken);

        File.WriteAllText(events, "low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n");

        ContainerEvent e = await channel.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        e.Type.Should().Be(ContainerEventType.OutOfMemory);
        e.Count.Should().Be(2);
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }
}

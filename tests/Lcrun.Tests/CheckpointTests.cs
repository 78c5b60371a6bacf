using System.Globalization;
using LibContainer.Spec;
using Lcrun.Tests.Infrastructure;

namespace Lcrun.Tests;

/// <summary>checkpoint and restore with runc's flags, through the real CRIU.</summary>
public sealed class CheckpointTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    /// <summary>
    /// Counts in its memory and writes the count to a tmpfs (which CRIU dumps with it). Its stdio is
    /// moved to the container's /dev/null first: the tests' lcrun writes to host files, and CRIU
    /// cannot dump an fd of a file on a mount outside the container (runc's limit too).
    /// </summary>
    private RuntimeSpec CounterSpec(string loop = "while true")
    {
        RuntimeSpec spec = Spec("sh", "-c", $"exec </dev/null >/dev/null 2>&1; i=0; {loop}; do i=$((i+1)); echo $i > /run/count; sleep 0.1; done; exit 7");
        spec.Mounts!.Add(new Mount { Destination = "/run", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "nodev"] });
        return spec;
    }

    [Fact]
    public void CheckpointThenRestoreDetached_CounterGoesOnAndTheContainerIsBack()
    {
        Require.Criu();
        WriteConfig(CounterSpec());
        string id = NewId();
        string images = Path.Combine(Dir, "images");
        string pidFile = Path.Combine(Dir, "restored.pid");
        Ok("run", "-d", id);
        int before = WaitForCount(id, atLeast: 20);

        Ok("checkpoint", "--image-path", images, id);

        Ok("list", "-q").Stdout.Should().BeEmpty("runc deletes a checkpointed container unless --leave-running");
        File.Exists(Path.Combine(images, "dump.log")).Should().BeTrue();

        Ok("restore", "-d", "--image-path", images, "--pid-file", pidFile, id);

        Status(id).Should().Be("running");
        int pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        System.Text.Json.JsonDocument.Parse(Ok("state", id).Stdout).RootElement.GetProperty("pid").GetInt32().Should().Be(pid);
        // A restart would count from 1 again and need 2 s to pass the checkpoint's count: it goes on instead.
        Count(id).Should().BeGreaterThanOrEqualTo(before);
        Ok("delete", "-f", id);
        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    [Fact]
    public void Checkpoint_LeaveRunning_KeepsItRunning()
    {
        Require.Criu();
        WriteConfig(CounterSpec());
        string id = NewId();
        Ok("run", "-d", id);
        int before = WaitForCount(id, atLeast: 2);

        Ok("checkpoint", "--leave-running", "--image-path", Path.Combine(Dir, "images"), "--work-path", Path.Combine(Dir, "work"), id);

        Status(id).Should().Be("running");
        WaitForCount(id, atLeast: before + 2).Should().BeGreaterThan(before);
        File.Exists(Path.Combine(Dir, "work", "dump.log")).Should().BeTrue("--work-path holds CRIU's log");
    }

    [Fact]
    public void Restore_Foreground_WaitsAndExitsWithTheContainersCode()
    {
        Require.Criu();
        WriteConfig(CounterSpec("while [ $i -lt 30 ]"));
        string id = NewId();
        string images = Path.Combine(Dir, "images");
        Ok("run", "-d", id);
        WaitForCount(id, atLeast: 5);
        Ok("checkpoint", "--image-path", images, id);

        LcrunResult restored = Lcrun("restore", "--image-path", images, id);

        restored.ExitCode.Should().Be(7, restored.ToString());
        Ok("list", "-q").Stdout.Should().BeEmpty("a foreground restore deletes the container after it exits, as run does");
    }

    [Fact]
    public void EmptyNetworkNamespace_RestoresWithoutItsContents()
    {
        Require.Criu();
        WriteConfig(CounterSpec());
        string id = NewId();
        string images = Path.Combine(Dir, "images");
        Ok("run", "-d", id);
        Ok("exec", id, "cat", "/sys/class/net/lo/flags").Stdout.Should().Be("0x9\n", "lo is up in the container's own network namespace");

        Lcrun("checkpoint", "--empty-ns", "ipc", "--image-path", images, id).Stderr.Should().Contain("--empty-ns ipc: only the network namespace can be left empty");
        Ok("checkpoint", "--empty-ns", "network", "--image-path", images, id);
        Ok("restore", "-d", "--empty-ns", "network", "--image-path", images, id);

        Status(id).Should().Be("running");
        Ok("exec", id, "cat", "/sys/class/net/lo/flags").Stdout.Should().Be("0x8\n", "as with runc, an empty namespace comes back with lo down");
    }

    [Fact]
    public void Checkpoint_Refusals_RuncsWordsAndTheContainerStays()
    {
        WriteConfig(CounterSpec());
        string id = NewId();
        Ok("create", id);

        Lcrun("checkpoint", id).Stderr.Should().Contain("Container cannot be checkpointed in created state");
        Ok("start", id);
        LcrunResult missing = Lcrun("--criu", "/nonexistent/criu", "checkpoint", "--image-path", Path.Combine(Dir, "images"), id);

        missing.ExitCode.Should().Be(1);
        missing.Stderr.Should().Contain("criu was not found at /nonexistent/criu");
        Status(id).Should().Be("running");
    }

    private int Count(string id)
    {
        string text = Ok("exec", id, "cat", "/run/count").Stdout.Trim();
        return int.Parse(text, CultureInfo.InvariantCulture);
    }

    private int WaitForCount(string id, int atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            LcrunResult read = Lcrun("exec", id, "cat", "/run/count");
            if (read.ExitCode == 0 && int.TryParse(read.Stdout.Trim(), CultureInfo.InvariantCulture, out int n) && n >= atLeast)
            {
                return n;
            }
            DateTime.UtcNow.Should().BeBefore(deadline, $"the counter should reach {atLeast}: {read}");
            Thread.Sleep(100);
        }
    }
}

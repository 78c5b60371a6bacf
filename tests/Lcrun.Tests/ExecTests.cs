using System.Globalization;
using Lcrun.Tests.Infrastructure;

namespace Lcrun.Tests;

/// <summary>exec: from the container's process with overrides, or from --process; foreground and detached.</summary>
public sealed class ExecTests : LcrunTest
{
    private readonly string _id = NewId();

    public ExecTests(LcrunFixture fixture) : base(fixture)
    {
        Ok("run", "-d", _id);
    }

    [Fact]
    public void Exec_Foreground_OutputAndExitCode()
    {
        LcrunResult result = Lcrun("exec", _id, "sh", "-c", "echo in $(hostname); exit 5");

        result.ExitCode.Should().Be(5);
        result.Stdout.Should().Be("in libcontainer\n");
    }

    [Fact]
    public void Exec_KilledBySignal_Exits128PlusSignal() =>
        Lcrun("exec", _id, "sh", "-c", "kill -9 $$").ExitCode.Should().Be(137);

    [Fact]
    public void Exec_Overrides_EnvUserCwd()
    {
        LcrunResult result = Lcrun("exec", "-e", "A=1", "--env", "B=2", "-u", "65534:65534", "--cwd", "/tmp", _id, "sh", "-c", "echo $A$B $(id -u):$(id -g) $(pwd)");

        result.Stdout.Should().Be("12 65534:65534 /tmp\n", result.ToString());
    }

    [Fact]
    public void Exec_ProcessFile_AsContainerdWritesIt()
    {
        string process = Path.Combine(Dir, "process.json");
        File.WriteAllText(process, """
            {"user":{"uid":0,"gid":0},"args":["sh","-c","echo $FOO from $(pwd)"],"env":["FOO=bar","PATH=/bin"],"cwd":"/tmp","terminal":false}
            """);

        LcrunResult result = Lcrun("exec", "--process", process, _id);

        result.Stdout.Should().Be("bar from /tmp\n", result.ToString());
    }

    [Fact]
    public void Exec_Detached_WritesPidAndReturns()
    {
        string pidFile = Path.Combine(Dir, "exec.pid");

        Ok("exec", "-d", "--pid-file", pidFile, _id, "sleep", "30");

        int pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        File.ReadAllText($"/proc/{pid}/cmdline").Should().Be("sleep\030\0");
        System.Text.Json.JsonDocument.Parse(Ok("ps", "--format", "json", _id).Stdout).RootElement.EnumerateArray()
            .Select(e => e.GetInt32()).Should().Contain(pid);
    }

    [Fact]
    public void Exec_NoArgsPausedStopped_RuncErrorsAndExit255()
    {
        LcrunResult noArgs = Lcrun("exec", _id);
        noArgs.ExitCode.Should().Be(255);
        noArgs.Stderr.Should().Contain("exec failed: args must not be empty");

        Ok("pause", _id);
        Lcrun("exec", _id, "true").Stderr.Should().Contain("cannot exec in a paused container (use --ignore-paused to override)");
        Ok("resume", _id);

        Ok("kill", _id, "KILL");
        for (int i = 0; i < 100 && Status(_id) != "stopped"; i++)
        {
            Thread.Sleep(50);
        }
        LcrunResult stopped = Lcrun("exec", _id, "true");
        stopped.ExitCode.Should().Be(255);
        stopped.Stderr.Should().Contain("exec failed: cannot exec in a stopped container");
    }

    [Fact]
    public void Exec_TtyDetachedWithoutConsoleSocket_RuncError() =>
        Lcrun("exec", "-d", "-t", _id, "true").Stderr.Should().Contain("cannot allocate tty if runc will detach without setting console socket");
}

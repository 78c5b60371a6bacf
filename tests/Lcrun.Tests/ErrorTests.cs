using System.Text.Json;
using Lcrun.Tests.Infrastructure;
using LibContainer.Spec;

namespace Lcrun.Tests;

/// <summary>What goes wrong: unknown containers, bad bundles, bad flags; runc's messages, the log file.</summary>
public sealed class ErrorTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    [Theory]
    [InlineData("state")]
    [InlineData("start")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("pause")]
    [InlineData("ps")]
    [InlineData("events")]
    public void UnknownContainer_DoesNotExist(string verb)
    {
        LcrunResult result = Lcrun(verb, "nosuch");

        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Be($"time=\"{result.Stderr[6..26]}\" level=error msg=\"container does not exist\"\n");
    }

    [Fact]
    public void UnknownContainer_ExecFails255_DeleteForceSucceeds()
    {
        Lcrun("exec", "nosuch", "true").ExitCode.Should().Be(255);
        Lcrun("delete", "--force", "nosuch").ExitCode.Should().Be(0);
    }

    [Fact]
    public void BadBundles_NamedErrors()
    {
        string empty = Path.Combine(Dir, "empty");
        Directory.CreateDirectory(empty);
        string broken = Path.Combine(Dir, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), """{"ociVersion":"1.2.0","process":{"cwd":"relative","args":["true"],"user":{"uid":0,"gid":0}},"root":{"path":"/"}}""");

        Lcrun("create", "-b", empty, NewId()).Stderr.Should().Contain("lcrun create failed: JSON specification file config.json not found");
        Lcrun("create", "-b", Path.Combine(Dir, "missing"), NewId()).Stderr.Should().Contain("does not exist");
        LcrunResult invalid = Lcrun("create", "-b", broken, NewId());
        invalid.ExitCode.Should().Be(1);
        invalid.Stderr.Should().Contain("process.cwd");
        Ok("list", "-q").Stdout.Should().BeEmpty("a failed create leaves nothing");
    }

    [Fact]
    public void HostSideFailure_NothingFromTheInitOnStderr()
    {
        // The create fails in the library (a createRuntime hook), while the init waits for go: the
        // init must leave quietly, not print "lc-init: step 1 failed: errno 71" on the container's stderr.
        RuntimeSpec spec = Spec("true");
        spec.Hooks = new Hooks { CreateRuntime = [new Hook { Path = "/bin/false" }] };
        WriteConfig(spec);

        LcrunResult result = Lcrun("create", NewId());

        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain("hooks.createRuntime").And.NotContain("lc-init:");
        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    [Fact]
    public void CorruptedStateJson_DeleteForceKillsTheInitAndRemovesEverything()
    {
        // runc leaves such a container (init, cgroups, state); lcrun must not.
        string id = NewId();
        Ok("run", "-d", id);
        int pid = JsonDocument.Parse(Ok("state", id).Stdout).RootElement.GetProperty("pid").GetInt32();
        File.WriteAllText(Path.Combine(Root, id, "state.json"), "garbage");

        Ok("list", "-q").Stdout.Should().Contain(id);
        Ok("delete", "--force", id);

        Directory.Exists(Path.Combine(Root, id)).Should().BeFalse();
        Directory.EnumerateDirectories("/sys/fs/cgroup", id, SearchOption.AllDirectories).Should().BeEmpty();
        (File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
            .Should().BeFalse("the init must be killed (a zombie waits for pid 1 or the subreaper)");
    }

    [Fact]
    public void StartOfAContainerThatRunsWhileItsFifoIsLeft_FailsAtOnce()
    {
        // A start killed between the init's exec and the fifo's unlink: state says running, start fails at once.
        string id = NewId();
        Ok("create", id);
        using (var fifo = new FileStream(Path.Combine(Root, id, "exec.fifo"), FileMode.Open, FileAccess.Read))
        {
            fifo.CopyTo(Stream.Null);
        }

        Status(id).Should().Be("running");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        LcrunResult start = Lcrun("start", id);

        start.ExitCode.Should().Be(1);
        start.Stderr.Should().Contain("cannot start an already running container");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        Ok("delete", "--force", id);
    }

    [Fact]
    public void FailedStep_NamesTheStepAndErrno()
    {
        WriteConfig(Spec("/no/such/program"));

        LcrunResult result = Lcrun("run", NewId());

        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain("lcrun run failed:").And.Contain("/no/such/program").And.Contain("errno 2");
        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    [Fact]
    public void Usage_BadFlagsAndArgs()
    {
        Lcrun("create", "--nope", "x").Stderr.Should().Contain("flag provided but not defined: -nope");
        Lcrun("state").Stderr.Should().Contain("lcrun: \\\"state\\\" requires exactly 1 argument(s)");
        Lcrun("kill", "x", "NOSIG").Stderr.Should().Contain("unknown signal \\\"NOSIG\\\"");
        Lcrun("bogus").ExitCode.Should().Be(3);
        Lcrun("checkpoint", "--image-path", "/x", "nosuch").Stderr.Should().Contain("container does not exist");
        Lcrun("checkpoint", "--lazy-pages", "nosuch").Stderr.Should().Contain("--lazy-pages is not supported by lcrun");
        Lcrun("restore", "--manage-cgroups-mode", "loose", "nosuch").Stderr.Should().Contain("Invalid manage cgroups mode: loose");
        Lcrun("--systemd-cgroup", "state", "x").Stderr.Should().Contain("systemd cgroup flag passed, but systemd support for managing cgroups is not available");
    }

    [Fact]
    public void LogFile_JsonLinesForContainerdAndPlainStderr()
    {
        string log = Path.Combine(Dir, "log.json");

        LcrunResult result = Lcrun("--log", log, "--log-format", "json", "start", "nosuch");

        result.Stderr.Should().Be("container does not exist\n");
        string line = File.ReadAllLines(log).Single();
        using JsonDocument doc = JsonDocument.Parse(line);
        doc.RootElement.GetProperty("level").GetString().Should().Be("error");
        doc.RootElement.GetProperty("msg").GetString().Should().Be("container does not exist");
        DateTimeOffset.Parse(doc.RootElement.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }
}

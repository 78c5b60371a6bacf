using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>docker run, create, start, stop, kill, wait, logs, ps, inspect, rm: the unmodified docker CLI against lcd, on real containers.</summary>
public sealed class DockerRunTests : DaemonTest
{
    [Fact]
    public async Task RunRm_Echo_PrintsAndLeavesNothing()
    {
        CliResult run = await Docker("run", "--rm", "busybox", "echo", "hello from lcd");

        run.ExitCode.Should().Be(0, run.Stderr);
        run.Stdout.Should().Be("hello from lcd\n", run.Stderr);
        (await Docker("ps", "-aq")).Stdout.Trim().Should().BeEmpty("--rm removes the container when it exits");
        Directory.EnumerateDirectories(Path.Combine(Lcd.DataRoot, "containers")).Should().BeEmpty();
        LcdDaemon.MountsUnder(Lcd.Dir).Should().BeEmpty("the overlay root filesystem is unmounted at removal");
    }

    [Fact]
    public async Task Rootfs_MountedOnlyWhileRunningOrCopying_AsDockerOverlay2()
    {
        string id = (await Docker("create", "--name", "mnt", "busybox", "sh", "-c", "echo made > /made; sleep 300")).Stdout.Trim();
        string merged = Path.Combine(Lcd.DataRoot, "graph", "containers", id, "merged");
        List<string> created = LcdDaemon.MountsUnder(merged);
        (await Docker("start", "mnt")).ExitCode.Should().Be(0);
        CliResult made = await Docker("exec", "mnt", "sh", "-c", "while [ ! -e /made ]; do sleep 0.05; done; cat /made");
        List<string> running = LcdDaemon.MountsUnder(merged);
        (await Docker("stop", "-t", "1", "mnt")).ExitCode.Should().Be(0);
        List<string> stopped = LcdDaemon.MountsUnder(merged);
        string copy = Path.Combine(Lcd.Dir, "made");
        CliResult cp = await Docker("cp", "mnt:/made", copy);
        List<string> afterCp = LcdDaemon.MountsUnder(merged);
        CliResult restarted = await Docker("start", "mnt");
        List<string> again = LcdDaemon.MountsUnder(merged);
        (await Docker("rm", "-f", "mnt")).ExitCode.Should().Be(0);

        created.Should().BeEmpty("a created container holds no mount");
        made.Stdout.Should().Be("made\n", made.Stderr);
        running.Should().Equal([merged], "the run mounts it");
        stopped.Should().BeEmpty("the exit unmounts it");
        cp.ExitCode.Should().Be(0, cp.Stderr);
        File.ReadAllText(copy).Should().Be("made\n", "cp mounts a stopped container's rootfs while it copies, the changes kept");
        afterCp.Should().BeEmpty("and unmounts it after");
        restarted.ExitCode.Should().Be(0, restarted.Stderr);
        again.Should().Equal([merged]);
        LcdDaemon.MountsUnder(Lcd.Dir).Should().BeEmpty();
    }

    [Fact]
    public async Task InspectAndPs_ImageIsTheImagesId_KillWithBadSignalRefused()
    {
        string imageId = (await Docker("image", "inspect", "-f", "{{.Id}}", "busybox")).Stdout.Trim();
        (await Docker("run", "-d", "--name", "ids", "busybox", "sleep", "300")).ExitCode.Should().Be(0);
        CliResult inspect = await Docker("inspect", "-f", "{{.Image}}", "ids");
        CliResult ps = await Docker("ps", "--no-trunc", "--format", "{{.Image}}", "--filter", "name=ids");
        CliResult kill = await Docker("kill", "-s", "NOPE", "ids");
        (await Docker("rm", "-f", "ids")).ExitCode.Should().Be(0);

        imageId.Should().MatchRegex("^sha256:[0-9a-f]{64}$");
        inspect.Stdout.Trim().Should().Be(imageId, "inspect's Image is the image id, as dockerd's");
        ps.Stdout.Trim().Should().Be("busybox", "ps shows the name the container was made from");
        kill.ExitCode.Should().Be(1);
        kill.Stderr.Should().Contain("Invalid signal: NOPE");
    }

    [Fact]
    public async Task Run_Init_RefusedSayingWhy_NothingMade()
    {
        CliResult run = await Docker("run", "--rm", "--init", "busybox", "true");

        run.ExitCode.Should().Be(125);
        run.Stderr.Should().Contain("--init: lcd has no docker-init");
        (await Docker("ps", "-aq")).Stdout.Trim().Should().BeEmpty();
    }

    [Fact]
    public async Task Run_OverMemoryLimit_Exit137AndOomKilledInInspect()
    {
        CliResult run = await Docker("run", "--name", "oom", "--memory", "32m", "busybox", "sh", "-c", "tail /dev/zero");
        CliResult fine = await Docker("run", "--name", "fine", "--memory", "32m", "busybox", "true");

        run.ExitCode.Should().Be(137, "the OOM killer's SIGKILL");
        (await Docker("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom")).Stdout.Trim().Should().Be("true 137");
        fine.ExitCode.Should().Be(0);
        (await Docker("inspect", "-f", "{{.State.OOMKilled}}", "fine")).Stdout.Trim().Should().Be("false");
        (await Docker("rm", "oom", "fine")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Run_ExitCodeAndStreams_PassedThrough()
    {
        CliResult run = await Docker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");

        run.ExitCode.Should().Be(3);
        run.Stdout.Should().Be("out\n");
        run.Stderr.Should().Be("err\n");
    }

    [Fact]
    public async Task Run_EnvWorkdirUserHostname_AsDockerSetsThem()
    {
        CliResult run = await Docker("run", "--rm", "-e", "GREETING=hi", "-w", "/tmp", "-u", "65534:65534", "--hostname", "box",
            "busybox", "sh", "-c", "echo $GREETING $(pwd) $(id -u):$(id -g) $(hostname)");

        run.ExitCode.Should().Be(0, run.Stderr);
        run.Stdout.Should().Be("hi /tmp 65534:65534 box\n");
    }

    [Fact]
    public async Task Detached_PsLogsStopInspectRm()
    {
        CliResult started = await Docker("run", "-d", "--name", "web", "busybox", "sh", "-c", "echo started; echo oops >&2; sleep 300");
        started.ExitCode.Should().Be(0, started.Stderr);
        string id = started.Stdout.Trim();
        id.Should().MatchRegex("^[0-9a-f]{64}$");

        CliResult ps = await Docker("ps", "--format", "{{.ID}} {{.Names}} {{.Status}}");
        ps.Stdout.Should().StartWith($"{id[..12]} web Up ");
        await WaitForLogAsync("web", "started");
        CliResult logs = await Docker("logs", "web");
        logs.Stdout.Should().Be("started\n");
        logs.Stderr.Should().Be("oops\n");
        // --tail counts entries of both streams, as Docker's does: the last two are one of each here.
        (await Docker("logs", "-t", "--tail", "2", "web")).Stdout.Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z started\n$");
        (await Docker("logs", "--tail", "1", "web")).Stderr.Should().Be("oops\n");

        CliResult rmRunning = await Docker("rm", "web");
        rmRunning.ExitCode.Should().NotBe(0);
        rmRunning.Stderr.Should().Contain("You cannot remove a running container");

        // sh as pid 1 ignores SIGTERM: stop waits its timeout, then kills.
        CliResult stop = await Docker("stop", "-t", "1", "web");
        stop.ExitCode.Should().Be(0, stop.Stderr);
        (await Docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "web")).Stdout.Trim().Should().Be("exited 137 false");
        (await Docker("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}")).Stdout.Trim().Should().Be("web");
        (await Docker("ps", "-q")).Stdout.Trim().Should().BeEmpty();

        (await Docker("rm", "web")).ExitCode.Should().Be(0);
        (await Docker("inspect", "web")).Stderr.Should().Contain("No such object: web", "docker inspect says this of any name it cannot find");
    }

    private async Task WaitForLogAsync(string container, string text)
    {
        for (int i = 0; i < 100; i++)
        {
            if ((await Docker("logs", container)).Stdout.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"{container} never logged '{text}'");
    }

    [Fact]
    public async Task CreateStartWaitKill()
    {
        CliResult created = await Docker("create", "--name", "sleeper", "busybox", "sleep", "300");
        created.ExitCode.Should().Be(0, created.Stderr);
        (await Docker("inspect", "-f", "{{.State.Status}}", "sleeper")).Stdout.Trim().Should().Be("created");

        CliResult conflict = await Docker("create", "--name", "sleeper", "busybox", "true");
        conflict.ExitCode.Should().NotBe(0);
        conflict.Stderr.Should().Contain("The container name \"/sleeper\" is already in use by container");

        (await Docker("start", "sleeper")).ExitCode.Should().Be(0);
        Task<CliResult> wait = Docker("wait", "sleeper");
        (await Docker("kill", "sleeper")).ExitCode.Should().Be(0);
        CliResult waited = await wait;
        waited.Stdout.Trim().Should().Be("137");

        CliResult killStopped = await Docker("kill", "sleeper");
        killStopped.ExitCode.Should().NotBe(0);
        killStopped.Stderr.Should().Contain("is not running");
        (await Docker("rm", "sleeper")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task BadInput_ClearErrorsAndNothingLeft()
    {
        CliResult noImage = await Docker("create", "no-such-image-here");
        noImage.ExitCode.Should().NotBe(0);

        CliResult badName = await Docker("create", "--name", "bad name!", "busybox", "true");
        badName.ExitCode.Should().NotBe(0);
        badName.Stderr.Should().Contain("Invalid container name (bad name!)");

        CliResult noSuch = await Docker("start", "nosuchcontainer");
        noSuch.ExitCode.Should().NotBe(0);
        noSuch.Stderr.Should().Contain("No such container: nosuchcontainer");

        CliResult badCommand = await Docker("run", "--rm", "busybox", "/no/such/program");
        badCommand.ExitCode.Should().Be(127, "the CLI's code for a program that is not there");
        badCommand.Stderr.Should().Contain("/no/such/program");

        (await Docker("ps", "-aq")).Stdout.Trim().Should().BeEmpty();
        Directory.EnumerateDirectories(Path.Combine(Lcd.DataRoot, "containers")).Should().BeEmpty();
    }
}

using System.Formats.Tar;
using Lcd.Tests.Infrastructure;
using static Lcd.Tests.Infrastructure.Cli;

namespace Lcd.Tests;

/// <summary>docker diff, commit, export and cp (both ways, running and stopped, hostile tars refused) through lcd.</summary>
public sealed class DockerContainerFilesTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;
    private string _work = null!;

    public async ValueTask InitializeAsync()
    {
        _lcd = await LcdDaemon.StartWithBusyboxAsync();
        _work = Directory.CreateTempSubdirectory("lcd-files-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        // Remove every container this test made (and, with it, its image lease and files).
        foreach (string id in (await Docker("ps", "-aq")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await Docker("rm", "-f", id);
        }
        try
        {
            await _lcd.DisposeAsync();
        }
        finally
        {
            if (_work is not null)
            {
                Directory.Delete(_work, recursive: true);
            }
        }
    }

    private Task<CliResult> Docker(params string[] args) => Cli.DockerAsync(_lcd, args);

    /// <summary>A shell line with DOCKER_HOST set (for pipes and redirections).</summary>
    private Task<CliResult> Shell(string line) =>
        Cli.RunAsync("/bin/sh", ["-c", line], new Dictionary<string, string> { ["DOCKER_HOST"] = _lcd.Host, ["DOCKER"] = Require.DockerCli() });

    /// <summary>A running container that has written /hello, removed /bin/ls and made /tmp/up, a symlink climbing out of its root.</summary>
    private async Task StartWorkerAsync()
    {
        await Ok(Docker("run", "-d", "--name", "worker", "busybox", "sh", "-c",
            "echo hi > /hello && rm /bin/ls && ln -s ../../../../../../.. /tmp/up && touch /ready && sleep 300"));
        for (int i = 0; i < 200 && !(await Docker("diff", "worker")).Stdout.Contains("A /ready", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Diff_RunningContainer_AddedChangedDeleted()
    {
        await StartWorkerAsync();

        string[] lines = (await Ok(Docker("diff", "worker"))).Stdout.Trim().Split('\n');

        lines.Should().Contain(["A /hello", "C /bin", "D /bin/ls", "C /tmp", "A /tmp/up"]);
        lines.Should().NotContain(l => l.Contains("/etc/passwd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Commit_WithChanges_NewImageRuns()
    {
        await StartWorkerAsync();

        CliResult commit = await Ok(Docker("commit", "-a", "tester", "-m", "with hello", "-c", "CMD [\"cat\", \"/hello\"]", "-c", "ENV GREETING=\"hi there\"",
            "-c", "WORKDIR /tmp", "worker", "hello:2"));
        commit.Stdout.Trim().Should().StartWith("sha256:");

        (await Ok(Docker("run", "--rm", "hello:2"))).Stdout.Should().Be("hi\n");
        (await Ok(Docker("run", "--rm", "hello:2", "sh", "-c", "echo $GREETING; pwd; ls /bin/ls || echo gone"))).Stdout
            .Should().Be("hi there\n/tmp\ngone\n");
        (await Ok(Docker("image", "inspect", "-f", "{{.Author}}", "hello:2"))).Stdout.Trim().Should().Be("tester");
        (await Ok(Docker("inspect", "-f", "{{.State.Running}}", "worker"))).Stdout.Trim().Should().Be("true", "commit pauses and resumes, never stops");

        CliResult bad = await Docker("commit", "-c", "FROM scratch", "worker", "hello:3");
        bad.ExitCode.Should().NotBe(0);
        bad.Stderr.Should().Contain("FROM is not a valid change command");
    }

    [Fact]
    public async Task Commit_FileCapability_KeptThroughCpSaveLoadAndGrantedInTheContainer()
    {
        string setcap = Require.Tool("/usr/sbin/setcap", "libcap2-bin");
        await StartWorkerAsync();
        // A busybox named cat with cap_net_raw and cap_setuid (bits 13 and 7), copied in by the docker CLI (which tars its xattrs).
        string caps = Directory.CreateDirectory(Path.Combine(_work, "caps")).FullName;
        File.Copy("/bin/busybox", Path.Combine(caps, "cat"));
        await Ok(Cli.RunAsync(setcap, ["cap_net_raw,cap_setuid+ep", Path.Combine(caps, "cat")]));
        await Ok(Docker("cp", caps, "worker:/caps"));
        await Ok(Docker("commit", "worker", "caps:1"));
        string saved = Path.Combine(_work, "caps.tar");
        await Ok(Docker("save", "-o", saved, "caps:1"));
        await Ok(Docker("rmi", "caps:1"));
        (await Ok(Docker("load", "-i", saved))).Stdout.Should().Contain("caps:1");

        // A non-root user gets the file's capabilities when it runs it: the kernel read the xattr from the loaded layer.
        CliResult status = await Ok(Docker("run", "--rm", "--user", "1000", "caps:1", "/caps/cat", "/proc/self/status"));
        status.Stdout.Split('\n').Should().Contain("CapEff:\t0000000000002080");
        CliResult plain = await Ok(Docker("run", "--rm", "--user", "1000", "caps:1", "cat", "/proc/self/status"));
        plain.Stdout.Split('\n').Should().Contain("CapEff:\t0000000000000000", "without the file capability a non-root user has none");
    }

    [Fact]
    public async Task Export_PipedToTar_ListsTheMergedTree()
    {
        await StartWorkerAsync();

        CliResult export = await Ok(Shell("\"$DOCKER\" export worker | tar t"));

        string[] names = export.Stdout.Split('\n');
        names.Should().Contain(["hello", "bin/busybox", "etc/passwd", "tmp/up"]);
        names.Should().NotContain("bin/ls");
    }

    [Fact]
    public async Task Cp_InAndOut_RunningAndStopped()
    {
        await StartWorkerAsync();
        string file = Path.Combine(_work, "in.txt");
        await File.WriteAllTextAsync(file, "from the host\n", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_work, "dir", "sub"));
        await File.WriteAllTextAsync(Path.Combine(_work, "dir", "sub", "deep.txt"), "deep\n", TestContext.Current.CancellationToken);

        await Ok(Docker("cp", file, "worker:/tmp/"));
        await Ok(Docker("cp", Path.Combine(_work, "dir"), "worker:/tmp/dir"));
        await Ok(Docker("cp", "worker:/tmp/in.txt", Path.Combine(_work, "back.txt")));
        (await File.ReadAllTextAsync(Path.Combine(_work, "back.txt"), TestContext.Current.CancellationToken)).Should().Be("from the host\n");
        (await Ok(Docker("run", "--rm", "busybox", "true"))).ExitCode.Should().Be(0);
        (await Ok(Docker("diff", "worker"))).Stdout.Should().Contain("A /tmp/in.txt").And.Contain("A /tmp/dir/sub/deep.txt");

        await Ok(Docker("stop", "-t", "1", "worker"));
        await Ok(Docker("cp", "worker:/tmp/dir", Path.Combine(_work, "dirback")));
        (await File.ReadAllTextAsync(Path.Combine(_work, "dirback", "sub", "deep.txt"), TestContext.Current.CancellationToken)).Should().Be("deep\n");
        await Ok(Docker("cp", file, "worker:/stopped.txt"));
        await Ok(Docker("cp", "worker:/stopped.txt", Path.Combine(_work, "stopped.txt")));
        (await File.ReadAllTextAsync(Path.Combine(_work, "stopped.txt"), TestContext.Current.CancellationToken)).Should().Be("from the host\n");

        CliResult missing = await Docker("cp", "worker:/no/such/file", _work);
        missing.ExitCode.Should().NotBe(0);
        missing.Stderr.Should().Contain("No such container:path: worker:/no/such/file");
    }

    [Fact]
    public async Task CpOut_ThroughEscapingSymlink_StaysInTheContainer()
    {
        await StartWorkerAsync();

        // /tmp/up climbs far above the root: resolved in the container, it is the container's root.
        await Ok(Docker("cp", "worker:/tmp/up/etc/passwd", Path.Combine(_work, "passwd")));

        (await File.ReadAllTextAsync(Path.Combine(_work, "passwd"), TestContext.Current.CancellationToken))
            .Should().Be("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", "the image's passwd, not the host's");
    }

    [Theory]
    [InlineData("dotdot")]
    [InlineData("symlink")]
    [InlineData("absolute")]
    public async Task CpIn_HostileTar_RefusedNothingOutside(string kind)
    {
        await StartWorkerAsync();
        string outside = Path.Combine(_work, "outside");
        Directory.CreateDirectory(outside);
        string tar = Path.Combine(_work, kind + ".tar");
        await using (FileStream stream = File.Create(tar))
        await using (var writer = new TarWriter(stream, TarEntryFormat.Pax))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "fine.txt") { DataStream = new MemoryStream("ok"u8.ToArray()) }, TestContext.Current.CancellationToken);
            switch (kind)
            {
                case "dotdot":
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "../../../../../../../.." + outside + "/escaped") { DataStream = new MemoryStream("x"u8.ToArray()) }, TestContext.Current.CancellationToken);
                    break;
                case "symlink":
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "esc") { LinkName = outside }, TestContext.Current.CancellationToken);
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "esc/escaped") { DataStream = new MemoryStream("x"u8.ToArray()) }, TestContext.Current.CancellationToken);
                    break;
                default:
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, outside + "/escaped") { DataStream = new MemoryStream("x"u8.ToArray()) }, TestContext.Current.CancellationToken);
                    break;
            }
        }

        CliResult cp = await Shell($"\"$DOCKER\" cp - worker:/tmp < '{tar}'");

        cp.ExitCode.Should().NotBe(0);
        cp.Stderr.Should().Contain("refused");
        Directory.EnumerateFileSystemEntries(outside).Should().BeEmpty();
        File.Exists(Path.Combine(_lcd.DataRoot, "escaped")).Should().BeFalse();
        (await Ok(Docker("inspect", "-f", "{{.State.Running}}", "worker"))).Stdout.Trim().Should().Be("true");
    }
}

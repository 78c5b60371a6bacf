using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>
/// docker volume, -v, --mount, --tmpfs, --read-only, rm -v, system df and prune: the unmodified
/// docker CLI against lcd, on real containers; the daemon's dispose fails on any mount left.
/// </summary>
public sealed class DockerVolumeTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;
    private string _host = null!;

    public async ValueTask InitializeAsync()
    {
        _lcd = await LcdDaemon.StartWithBusyboxAsync();
        _host = Directory.CreateTempSubdirectory("lcd-test-bind-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        CliResult left = await Docker("ps", "-aq");
        CliResult volumes = await Docker("volume", "ls", "-q");
        await _lcd.DisposeAsync();
        Directory.Delete(_host, recursive: true);
        left.Stdout.Trim().Should().BeEmpty("each test removes its containers");
        volumes.Stdout.Trim().Should().BeEmpty("each test removes its volumes");
    }

    private Task<CliResult> Docker(params string[] args) => Cli.DockerAsync(_lcd, args);

    private async Task<CliResult> Ok(params string[] args)
    {
        CliResult result = await Docker(args);
        result.ExitCode.Should().Be(0, $"docker {string.Join(' ', args)}: {result.Stderr}");
        return result;
    }

    private string VolumesDir => Path.Combine(_lcd.DataRoot, "volumes");

    [Fact]
    public async Task NamedVolume_PersistsAcrossContainers_InUseRefused()
    {
        (await Ok("volume", "create", "--label", "app=test", "data")).Stdout.Should().Be("data\n");
        (await Ok("volume", "create", "data")).Stdout.Should().Be("data\n", "create of an existing name returns it, as dockerd");

        await Ok("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/file");
        (await Ok("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/file")).Stdout.Should().Be("kept\n", "the data outlives the container");
        (await Ok("volume", "ls", "--format", "{{.Driver}} {{.Name}}")).Stdout.Should().Be("local data\n");
        (await Ok("volume", "inspect", "-f", "{{.Mountpoint}} {{.Labels.app}} {{.Scope}}", "data")).Stdout.Trim()
            .Should().Be($"{Path.Combine(VolumesDir, "data", "_data")} test local", "the local driver keeps volumes under the data root");
        File.ReadAllText(Path.Combine(VolumesDir, "data", "_data", "file")).Should().Be("kept\n");

        await Ok("run", "-d", "--name", "holder", "-v", "data:/data", "busybox", "sleep", "300");
        (await Ok("inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}", "holder")).Stdout.Trim().Should().Be("volume data /data true");
        CliResult inUse = await Docker("volume", "rm", "data");
        inUse.ExitCode.Should().NotBe(0);
        inUse.Stderr.Should().Contain("volume is in use");
        await Ok("stop", "-t", "0", "holder");
        (await Docker("volume", "rm", "data")).ExitCode.Should().NotBe(0, "a stopped container still uses it");
        await Ok("rm", "holder");

        await Ok("volume", "rm", "data");
        Directory.Exists(Path.Combine(VolumesDir, "data")).Should().BeFalse();
        (await Docker("volume", "inspect", "data")).Stderr.Should().Contain("No such volume: data");
    }

    [Fact]
    public async Task NewVolume_GetsImageContent_OnFirstUseOnly()
    {
        CliResult first = await Ok("run", "--rm", "-v", "etc:/etc", "busybox", "cat", "/etc/passwd");
        first.Stdout.Should().StartWith("root:", "a new volume gets the image's content at its path, as Docker copies it");
        File.Exists(Path.Combine(VolumesDir, "etc", "_data", "passwd")).Should().BeTrue();

        await Ok("run", "--rm", "-v", "etc:/etc", "busybox", "rm", "/etc/passwd");
        (await Docker("run", "--rm", "-v", "etc:/etc", "busybox", "cat", "/etc/passwd")).ExitCode.Should().NotBe(0, "only a new, empty volume is filled");
        (await Ok("run", "--rm", "--mount", "type=volume,source=fresh,target=/etc,volume-nocopy", "busybox", "ls", "/etc")).Stdout.Should().NotContain("passwd", "nocopy");

        await Ok("volume", "rm", "etc", "fresh");
    }

    [Fact]
    public async Task AnonymousVolumes_RmV_RemovesThem_NamedStay()
    {
        await Ok("run", "--name", "anon", "-v", "/scratch", "-v", "named:/named", "busybox", "sh", "-c", "echo x > /scratch/f");
        string anonymous = (await Ok("inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/scratch\"}}{{.Name}}{{end}}{{end}}", "anon")).Stdout.Trim();
        anonymous.Should().MatchRegex("^[0-9a-f]{64}$");
        (await Ok("volume", "ls", "-q")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo([anonymous, "named"]);

        await Ok("rm", "-v", "anon");

        (await Ok("volume", "ls", "-q")).Stdout.Should().Be("named\n", "rm -v removes the anonymous volume, not the named one");
        await Ok("run", "--rm", "-v", "/gone", "busybox", "true");
        (await Ok("volume", "ls", "-q")).Stdout.Should().Be("named\n", "--rm removes the anonymous volumes too");
        await Ok("volume", "rm", "named");
    }

    [Fact]
    public async Task Binds_ReadOnlyAndReadWrite_MountFlag()
    {
        File.WriteAllText(Path.Combine(_host, "in.txt"), "from host\n");

        CliResult ro = await Docker("run", "--rm", "-v", $"{_host}:/mnt:ro", "busybox", "sh", "-c", "cat /mnt/in.txt; echo no > /mnt/out.txt");
        ro.Stdout.Should().Be("from host\n");
        ro.ExitCode.Should().NotBe(0);
        ro.Stderr.Should().Contain("Read-only file system");
        File.Exists(Path.Combine(_host, "out.txt")).Should().BeFalse();

        await Ok("run", "--rm", "--mount", $"type=bind,source={_host},target=/mnt", "busybox", "sh", "-c", "echo yes > /mnt/out.txt");
        File.ReadAllText(Path.Combine(_host, "out.txt")).Should().Be("yes\n");

        CliResult missing = await Docker("run", "--rm", "--mount", $"type=bind,source={_host}/nosuch,target=/mnt", "busybox", "true");
        missing.ExitCode.Should().NotBe(0);
        missing.Stderr.Should().Contain($"bind source path does not exist: {_host}/nosuch");
        CliResult relative = await Docker("run", "--rm", "-v", "../etc:/mnt", "busybox", "true");
        relative.ExitCode.Should().NotBe(0);
        relative.Stderr.Should().Contain("includes invalid characters for a local volume name");
        (await Docker("run", "--rm", "-v", "data:relative", "busybox", "true")).Stderr.Should().Contain("must be an absolute path");
        (await Ok("ps", "-aq")).Stdout.Should().BeEmpty("refused creates leave nothing");
        (await Ok("volume", "ls", "-q")).Stdout.Should().BeEmpty();
    }

    [Fact]
    public async Task TmpfsAndReadOnly_AsDocker()
    {
        CliResult tmpfs = await Ok("run", "--rm", "--read-only", "--tmpfs", "/run:size=1m", "--mount", "type=tmpfs,target=/cache", "busybox", "sh", "-c",
            "grep -E ' /(run|cache) ' /proc/mounts | cut -d' ' -f1-3; echo ok > /run/f && cat /run/f; touch /file 2>&1; echo $?");

        string[] lines = tmpfs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().Contain("tmpfs /run tmpfs").And.Contain("tmpfs /cache tmpfs").And.Contain("ok");
        lines.Should().Contain(l => l.Contains("Read-only file system", StringComparison.Ordinal), "--read-only makes the root read-only");
        lines[^1].Should().Be("1");
    }

    [Fact]
    public async Task SystemDfAndPrune_CountAndRemoveWhatIsUnused()
    {
        await Ok("volume", "create", "unused");
        await Ok("run", "-d", "--name", "running", "-v", "used:/data", "busybox", "sleep", "300");
        await Ok("run", "--name", "stopped", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /big");
        await Ok("network", "create", "--subnet", "10.254.253.0/24", "lonely");

        string[] df = (await Ok("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        df.Should().Equal("Images 1 1", "Containers 2 1", "Local Volumes 2 1", "Build Cache 0 0");
        CliResult verbose = await Ok("system", "df", "-v");
        verbose.Stdout.Should().Contain("stopped").And.Contain("unused");

        CliResult prune = await Ok("system", "prune", "-f", "--volumes");

        prune.Stdout.Should().Contain("Deleted Containers:").And.Contain("Deleted Networks:\nlonely").And.Contain("Deleted Volumes:\nunused");
        (await Ok("ps", "-a", "--format", "{{.Names}}")).Stdout.Should().Be("running\n");
        (await Ok("volume", "ls", "-q")).Stdout.Should().Be("used\n");
        (await Ok("network", "ls", "--filter", "type=custom", "-q")).Stdout.Should().BeEmpty();
        (await Ok("images", "-q")).Stdout.Should().NotBeEmpty("busybox is in use and named: not pruned");

        await Ok("rm", "-f", "running");
        (await Ok("volume", "prune", "-f")).Stdout.Should().Contain("used");
        (await Ok("container", "prune", "-f")).ExitCode.Should().Be(0);
    }
}

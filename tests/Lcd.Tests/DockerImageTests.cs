using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>docker images, image inspect, tag and rmi against lcd's graph store.</summary>
public sealed class DockerImageTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;

    public async ValueTask InitializeAsync() => _lcd = await LcdDaemon.StartWithBusyboxAsync();

    public async ValueTask DisposeAsync() => await _lcd.DisposeAsync();

    private Task<CliResult> Docker(params string[] args) => Cli.DockerAsync(_lcd, args);

    [Fact]
    public async Task ImagesTagInspectRmi()
    {
        CliResult images = await Docker("images", "--format", "{{.Repository}}:{{.Tag}}");
        images.ExitCode.Should().Be(0, images.Stderr);
        images.Stdout.Trim().Should().Be("busybox:latest");

        (await Docker("tag", "busybox", "localhost:5000/tools/box:1")).ExitCode.Should().Be(0);
        (await Docker("images", "--format", "{{.Repository}}:{{.Tag}}")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().BeEquivalentTo("busybox:latest", "localhost:5000/tools/box:1");
        (await Docker("image", "inspect", "-f", "{{.Os}}/{{.Architecture}} {{index .Config.Cmd 0}}", "localhost:5000/tools/box:1")).Stdout.Trim()
            .Should().Be("linux/amd64 sh");

        CliResult untag = await Docker("rmi", "localhost:5000/tools/box:1");
        untag.ExitCode.Should().Be(0, untag.Stderr);
        untag.Stdout.Should().Contain("Untagged: localhost:5000/tools/box:1");
        (await Docker("images", "-q")).Stdout.Trim().Should().NotBeEmpty("busybox:latest still names the image");

        CliResult missing = await Docker("rmi", "no-such-image");
        missing.ExitCode.Should().NotBe(0);
        missing.Stderr.Should().Contain("No such image: no-such-image");
    }

    [Fact]
    public async Task Rmi_ImageOfAContainer_ConflictUntilRemoved()
    {
        (await Docker("create", "--name", "user", "busybox", "true")).ExitCode.Should().Be(0);

        CliResult inUse = await Docker("rmi", "busybox");
        inUse.ExitCode.Should().NotBe(0);
        inUse.Stderr.Should().Contain("conflict: unable to remove repository reference \"busybox\"");

        (await Docker("rm", "user")).ExitCode.Should().Be(0);
        CliResult removed = await Docker("rmi", "busybox");
        removed.ExitCode.Should().Be(0, removed.Stderr);
        removed.Stdout.Should().Contain("Untagged: busybox:latest").And.Contain("Deleted: sha256:");
        (await Docker("images", "-q")).Stdout.Trim().Should().BeEmpty();
    }
}

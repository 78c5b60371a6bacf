using Lcd.Tests.Infrastructure;
using static Lcd.Tests.Infrastructure.Cli;
using LibContainer.Testing;

namespace Lcd.Tests;

/// <summary>
/// docker pull, push, load, save, history and image prune through lcd, against a real registry
/// (Debian's docker-registry on 127.0.0.1, a random port) and archives skopeo writes.
/// </summary>
public sealed class DockerImageTransferTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;
    private Registry _registry = null!;
    private string _work = null!;

    public async ValueTask InitializeAsync()
    {
        Require.Tool("/usr/bin/docker-registry", "docker-registry");
        _lcd = await LcdDaemon.StartWithBusyboxAsync();
        _work = Directory.CreateTempSubdirectory("lcd-images-").FullName;
        _registry = await Registry.StartAsync(Path.Combine(_work, "registry"));
    }

    public async ValueTask DisposeAsync()
    {
        // Remove every container this test made (and, with it, its image lease and files).
        foreach (string id in (await Docker("ps", "-aq")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await Docker("rm", "-f", id);
        }
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
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

    private static async Task<string> Run(string file, params string[] args)
    {
        CliResult result = await Cli.RunAsync(file, args);
        result.ExitCode.Should().Be(0, $"{file} {string.Join(' ', args)}: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>A committed image: busybox plus /hello, its Cmd printing it.</summary>
    private async Task<string> CommitHelloAsync(string name)
    {
        await Ok(Docker("run", "--name", "maker", "busybox", "sh", "-c", "echo hello from commit > /hello"));
        await Ok(Docker("commit", "-c", "CMD [\"cat\", \"/hello\"]", "maker", name));
        await Ok(Docker("rm", "maker"));
        return name;
    }

    [Fact]
    public async Task PushThenPull_CommittedImage_SameDigestAndRuns()
    {
        string image = await CommitHelloAsync($"{_registry.Host}/app:1");

        CliResult push = await Ok(Docker("push", image));
        push.Stdout.Should().Contain($"The push refers to repository [{_registry.Host}/app]").And.Contain("Pushed");
        string digest = push.Stdout.Split('\n').Single(l => l.StartsWith("1: digest: ", StringComparison.Ordinal)).Split(' ')[2];
        // The registry (not us) says what it holds under that tag.
        string inspected = await Run("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{image}");
        inspected.Trim().Should().Be(digest);

        await Ok(Docker("rmi", image));
        (await Docker("image", "inspect", image)).ExitCode.Should().NotBe(0);
        CliResult pull = await Ok(Docker("pull", image));
        pull.Stdout.Should().Contain("1: Pulling from app").And.Contain($"Digest: {digest}").And.Contain($"Status: Downloaded newer image for {image}");
        (await Ok(Docker("image", "inspect", "-f", "{{json .RepoDigests}}", image))).Stdout.Trim().Should().Be($"[\"{_registry.Host}/app@{digest}\"]");
        (await Ok(Docker("run", "--rm", image))).Stdout.Should().Be("hello from commit\n");

        CliResult again = await Ok(Docker("pull", image));
        again.Stdout.Should().Contain($"Status: Image is up to date for {image}");
    }

    [Fact]
    public async Task Pull_UnknownTag_FailsNamingIt()
    {
        CliResult pull = await Docker("pull", $"{_registry.Host}/nothing:here");
        pull.ExitCode.Should().NotBe(0);
        pull.Stderr.Should().Contain($"manifest for {_registry.Host}/nothing:here not found");
        (await Ok(Docker("images", "-q", "-a"))).Stdout.Trim().Split('\n').Should().HaveCount(1, "only busybox is there");
    }

    [Fact]
    public async Task Load_SkopeoDockerArchive_LoadedAndRuns()
    {
        Require.Tool("/usr/bin/skopeo", "skopeo");
        string saved = Path.Combine(_work, "saved.tar");
        string archive = Path.Combine(_work, "skopeo.tar");
        await Ok(Docker("save", "-o", saved, "busybox"));
        // skopeo rewrites our save as its own docker-archive: the load reads a tarball we did not write.
        await Run("skopeo", "copy", "--quiet", $"docker-archive:{saved}", $"docker-archive:{archive}:skopeo/box:1");

        CliResult load = await Ok(Docker("load", "-i", archive));
        load.Stdout.Should().Contain("Loaded image: skopeo/box:1");
        (await Ok(Docker("run", "--rm", "skopeo/box:1", "echo", "loaded"))).Stdout.Should().Be("loaded\n");

        await Ok(Docker("rmi", "skopeo/box:1"));
        CliResult quiet = await Ok(Docker("load", "-q", "-i", archive));
        quiet.Stdout.Trim().Should().Be("Loaded image: skopeo/box:1");
    }

    [Fact]
    public async Task Save_ReadBySkopeo_SameLayers()
    {
        Require.Tool("/usr/bin/skopeo", "skopeo");
        await CommitHelloAsync("hello:1");
        string saved = Path.Combine(_work, "hello.tar");
        await Ok(Docker("save", "hello:1", "-o", saved));

        string layers = await Run("skopeo", "inspect", "--format", "{{len .Layers}}", $"docker-archive:{saved}");
        layers.Trim().Should().Be("2");
        (await Ok(Docker("image", "inspect", "-f", "{{len .RootFS.Layers}}", "hello:1"))).Stdout.Trim().Should().Be("2");
    }

    [Fact]
    public async Task History_CommitWithMessage_NewestFirst()
    {
        await Ok(Docker("run", "--name", "maker", "busybox", "touch", "/made"));
        await Ok(Docker("commit", "-m", "added made", "-a", "Ada <ada@example.com>", "maker", "made:1"));

        CliResult history = await Ok(Docker("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "made:1"));
        string[] lines = history.Stdout.Trim().Split('\n');
        lines.Should().HaveCount(2);
        lines[0].Should().Be("touch /made|added made");
        lines[1].Should().StartWith("lcd: busybox from ");
        (await Ok(Docker("image", "inspect", "-f", "{{.Author}}", "made:1"))).Stdout.Trim().Should().Be("Ada <ada@example.com>");
    }

    [Fact]
    public async Task ImagePrune_RemovesDanglingOnly()
    {
        await Ok(Docker("create", "--name", "keep", "busybox"));
        string dangling = (await Ok(Docker("commit", "keep"))).Stdout.Trim();
        dangling.Should().StartWith("sha256:");
        await CommitHelloAsync("tagged:1");

        CliResult prune = await Ok(Docker("image", "prune", "-f"));
        prune.Stdout.Should().Contain($"deleted: {dangling}");

        string all = (await Ok(Docker("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"))).Stdout;
        all.Should().NotContain(dangling).And.Contain("tagged:1").And.Contain("busybox:latest");
        (await Ok(Docker("image", "prune", "-f"))).Stdout.Should().NotContain("deleted:");
    }
}

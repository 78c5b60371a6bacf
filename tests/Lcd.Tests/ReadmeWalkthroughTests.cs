using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Lcd.Network.Tests.Infrastructure;
using Lcd.Tests.Infrastructure;
using LibContainer.Testing;

namespace Lcd.Tests;

/// <summary>
/// The README's "The daemon: lcd" walk-through, read from README.md and run line by line through
/// /bin/sh with the unmodified docker CLI and curl against a live lcd (started as the README starts it,
/// with --load-busybox) and a private registry. Each line's output and exit code are checked against
/// what the docker CLI prints against dockerd. The block's lines must be this test's steps, in order:
/// the README and the test cannot drift apart. The README's fixed resources (port 8080, the registry on
/// 127.0.0.1:5000, subnet 10.89.10.0/24) become a free port, the test's registry and a subnet unique to
/// the test's daemon; the container, network and volume names are the daemon's own.
/// </summary>
[Collection(nameof(HostNetworkState))]
public sealed partial class ReadmeWalkthroughTests : IAsyncLifetime
{
    private const string Marker = "<!-- walk-through: tests/Lcd.Tests/ReadmeWalkthroughTests.cs";

    /// <summary>The lines that start the daemon: the test starts its own, with the same flag.</summary>
    private static readonly string[] s_setup =
    [
        "dotnet publish samples/Lcd -c Release -o artifacts/lcd",
        "sudo artifacts/lcd/lcd --load-busybox &",
        "export DOCKER_HOST=unix:///run/lcd.sock",
    ];

    private LcdDaemon _lcd = null!;
    private Registry _registry = null!;
    private string _work = null!;

    public async ValueTask InitializeAsync()
    {
        Require.Tool("/usr/bin/docker-registry", "docker-registry");
        Require.Tool("/usr/bin/curl", "curl");
        Require.Busybox();
        _lcd = await LcdDaemon.StartAsync(null, "--load-busybox");
        _work = Directory.CreateTempSubdirectory("lcd-walk-").FullName;
        _registry = await Registry.StartAsync(Path.Combine(_work, "registry"));
    }

    public async ValueTask DisposeAsync()
    {
        // A failed step leaves what the walk-through made so far: remove it, then fail on what was left.
        CliResult left = await Cli.DockerAsync(_lcd, "ps", "-aq");
        foreach (string id in left.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await Cli.DockerAsync(_lcd, "rm", "-f", id);
        }
        CliResult networks = await Cli.DockerAsync(_lcd, "network", "ls", "--filter", "type=custom", "-q");
        CliResult volumes = await Cli.DockerAsync(_lcd, "volume", "ls", "-q");
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
            Directory.Delete(_work, recursive: true);
        }
        left.Stdout.Trim().Should().BeEmpty("the walk-through removes its containers");
        networks.Stdout.Trim().Should().BeEmpty("the walk-through removes its network");
        volumes.Stdout.Trim().Should().BeEmpty("the walk-through removes its volume");
        HostState.Run("ip", "-o", "link", "show").Should().NotContain(_lcd.BridgePrefix, "the daemon's bridges go with it");
    }

    /// <summary>A README line: the command a user types, without its trailing comment.</summary>
    [GeneratedRegex(@"\s+#\s.*$")]
    private static partial Regex TrailingComment();

    /// <summary>The command lines of the README's lcd block (comment lines left out).</summary>
    internal static List<string> ReadmeBlock()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int marker = readme.IndexOf(Marker, StringComparison.Ordinal);
        marker.Should().BeGreaterThanOrEqualTo(0, "README.md marks its lcd walk-through block");
        int start = readme.IndexOf("```sh\n", marker, StringComparison.Ordinal) + "```sh\n".Length;
        int end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        return readme[start..end].Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => TrailingComment().Replace(l, "")).ToList();
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && Directory.Exists(Path.Combine(dir.FullName, "samples", "Lcd")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A README line as the test runs it: /bin/sh, DOCKER_HOST at the test's daemon, the private port, registry and subnet.</summary>
    private async Task<CliResult> RunLineAsync(string line, IReadOnlyDictionary<string, string> substitutions)
    {
        string command = substitutions.Aggregate(line, (text, s) => text.Replace(s.Key, s.Value, StringComparison.Ordinal));
        command.Should().NotContainAny([":8080", ":5000", "10.89.10."], "the test reaches only what it made");
        return await Cli.RunAsync("/bin/sh", ["-c", "docker() { \"$WALK_DOCKER\" \"$@\"; }; " + command], new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = _lcd.Host,
            ["WALK_DOCKER"] = Require.DockerCli(),
        }, TimeSpan.FromSeconds(120));
    }

    private static string[] Lines(CliResult result) => result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task ReadmeWalkthrough_EveryLine_PrintsWhatDockerPrints()
    {
        int port = FreePort();
        string subnet = _lcd.SubnetNear(10);
        string registry = _registry.Host;
        var substitutions = new Dictionary<string, string>
        {
            ["127.0.0.1:8080"] = $"127.0.0.1:{port}",
            ["127.0.0.1:5000"] = registry,
            ["10.89.10.0/24"] = subnet,
        };
        string web = "", api = "", image = "";

        // Each README line and what the docker CLI prints for it against dockerd (its documented formats).
        (string Line, Action<CliResult> Check)[] steps =
        [
            ("docker run --rm busybox echo hi", r => r.Stdout.Should().Be("hi\n")),
            ("docker run -d -p 127.0.0.1:8080:80 --name web busybox httpd -f -v -p 80", r => web = r.Stdout.Should().MatchRegex("^[0-9a-f]{64}\n$").And.Subject.Trim()),
            ("curl -s http://127.0.0.1:8080/etc/hostname", r => r.Stdout.Should().Be(web[..12] + "\n", "the container's hostname is its short id")),
            ("docker port web", r => r.Stdout.Should().Be($"80/tcp -> 127.0.0.1:{port}\n")),
            ("docker exec web ls", r => Lines(r).Should().Contain(["bin", "dev", "etc", "proc", "sys"]).And.BeInAscendingOrder(StringComparer.Ordinal)),
            ("docker logs web", r => (r.Stdout + r.Stderr).Should().MatchRegex(@"^\[::ffff:[0-9.]+\]:[0-9]+: response:200\n$", "httpd -v logs the request (its IPv6 socket's peer) on its stderr, which docker logs prints on its stderr")),
            ("docker stats --no-stream", r =>
            {
                string[] lines = Lines(r);
                lines.Should().HaveCount(2, "a header and the one running container");
                lines[0].Should().MatchRegex(@"^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$");
                lines[1].Should().MatchRegex($@"^{web[..12]} +web +[0-9.]+% +[0-9.]+[KMG]?i?B / [0-9.]+[KMGT]iB +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +1$");
            }),
            ("docker stop -t 1 web", r => r.Stdout.Should().Be("web\n")),
            ("docker rm web", r => r.Stdout.Should().Be("web\n")),
            ($"docker network create --subnet 10.89.10.0/24 app", r => r.Stdout.Should().MatchRegex("^[0-9a-f]{64}\n$")),
            ("docker run -d --network app --name api busybox httpd -f -p 80", r => api = r.Stdout.Should().MatchRegex("^[0-9a-f]{64}\n$").And.Subject.Trim()),
            ("docker run --rm --network app busybox wget -qO- http://api/etc/hostname", r => r.Stdout.Should().Be(api[..12] + "\n", "one container reaches the other by its name")),
            ("docker rm -f api && docker network rm app", r => r.Stdout.Should().Be("api\napp\n")),
            ("docker run --rm -v data:/data busybox sh -c 'echo kept > /data/f'", r => r.Stdout.Should().BeEmpty()),
            ("docker run --rm -v data:/data busybox cat /data/f", r => r.Stdout.Should().Be("kept\n", "the named volume outlives the container that wrote it")),
            ("docker volume rm data", r => r.Stdout.Should().Be("data\n")),
            ("docker run --name maker busybox sh -c 'echo made here > /greeting'", r => r.Stdout.Should().BeEmpty()),
            ("docker commit -c 'CMD [\"cat\", \"/greeting\"]' maker 127.0.0.1:5000/greeting:1", r => image = r.Stdout.Should().MatchRegex("^sha256:[0-9a-f]{64}\n$").And.Subject.Trim()),
            ("docker rm maker", r => r.Stdout.Should().Be("maker\n")),
            ("docker push 127.0.0.1:5000/greeting:1", r =>
            {
                string[] lines = Lines(r);
                lines[0].Should().Be($"The push refers to repository [{registry}/greeting]");
                // Without a terminal the CLI prints each layer's statuses as lines (Preparing, Waiting, ... Pushed).
                lines[1..^1].Should().AllSatisfy(l => l.Should().MatchRegex("^[0-9a-f]{12}: (Preparing|Waiting|Pushing|Pushed)$"));
                lines[1..^1].Select(l => l[..12]).Distinct().Should().HaveCount(2, "busybox's layer and the commit's")
                    .And.AllSatisfy(layer => lines.Should().Contain($"{layer}: Pushed"));
                lines[^1].Should().MatchRegex("^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$");
            }),
            ("docker rmi 127.0.0.1:5000/greeting:1", r =>
            {
                string[] lines = Lines(r);
                lines[0].Should().Be($"Untagged: {registry}/greeting:1");
                lines[1].Should().MatchRegex($"^Untagged: {Regex.Escape(registry)}/greeting@sha256:[0-9a-f]{{64}}$", "the pushed image has its repository digest");
                lines.Should().Contain($"Deleted: {image}");
                lines.Should().Contain(l => l.StartsWith("Deleted: sha256:", StringComparison.Ordinal) && l != $"Deleted: {image}", "the commit's layer goes with its image, as dockerd's rmi");
            }),
            ("docker pull 127.0.0.1:5000/greeting:1", r =>
            {
                string[] lines = Lines(r);
                lines[0].Should().Be("1: Pulling from greeting");
                // busybox's layer "Already exists"; rmi deleted the commit's layer, so it is downloaded again, as with dockerd.
                lines[1..^3].Should().AllSatisfy(l => l.Should().MatchRegex("^[0-9a-f]{12}: (Already exists|Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete)$"));
                lines[1..^3].Select(l => l[..12]).Distinct().Should().HaveCount(2);
                lines.Should().ContainSingle(l => l.EndsWith(": Already exists", StringComparison.Ordinal));
                lines.Should().ContainSingle(l => l.EndsWith(": Pull complete", StringComparison.Ordinal));
                lines[^3].Should().MatchRegex("^Digest: sha256:[0-9a-f]{64}$");
                lines[^2].Should().Be($"Status: Downloaded newer image for {registry}/greeting:1");
                lines[^1].Should().Be($"{registry}/greeting:1");
            }),
            ("docker run --rm 127.0.0.1:5000/greeting:1", r => r.Stdout.Should().Be("made here\n", "the pulled image is the committed one, its CMD included")),
            ("docker rmi 127.0.0.1:5000/greeting:1", r => Lines(r)[0].Should().Be($"Untagged: {registry}/greeting:1")),
            ("docker system df", r =>
            {
                string[] lines = Lines(r);
                lines[0].Should().MatchRegex("^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$");
                lines[1].Should().MatchRegex(@"^Images +1 +0 +[0-9.]+[kMG]?B +[0-9.]+[kMG]?B \(100%\)$", "busybox is left, no container uses it");
                lines[2].Should().MatchRegex(@"^Containers +0 +0 +0B +0B$");
                lines[3].Should().MatchRegex(@"^Local Volumes +0 +0 +0B +0B$");
                lines[4].Should().MatchRegex(@"^Build Cache +0 +0 +0B +0B$");
            }),
        ];

        List<string> block = ReadmeBlock();
        block.Take(s_setup.Length).Should().Equal(s_setup, "the walk-through starts lcd as the test does");
        block.Skip(s_setup.Length).Should().Equal(steps.Select(s => s.Line), "README.md's lcd block is this test's steps");

        foreach ((string line, Action<CliResult> check) in steps)
        {
            CliResult result = await RunLineAsync(line, substitutions);
            using (new FluentAssertions.Execution.AssertionScope(line))
            {
                result.ExitCode.Should().Be(0, $"{line}: {result.Stderr}");
                check(result);
            }
        }
    }
}

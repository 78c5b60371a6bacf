using System.Net;
using System.Net.Sockets;
using Lcd.Network.Tests.Infrastructure;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>
/// Tests that compare the host's links, iptables rules and netns mounts before and after: they run
/// alone (no other test of this assembly makes veths meanwhile).
/// </summary>
[CollectionDefinition(nameof(HostNetworkState), DisableParallelization = true)]
public sealed class HostNetworkState;

/// <summary>
/// Networking through the unmodified docker CLI against lcd (the README's walk-through itself is ReadmeWalkthroughTests): a published
/// port reached from the host, docker port, a user network whose members reach each other by name,
/// isolation from another network, none, connect/disconnect; after every removal nothing is left.
/// </summary>
[Collection(nameof(HostNetworkState))]
public sealed class DockerNetworkTests : IAsyncLifetime
{
    private LcdDaemon _lcd = null!;
    private HostState _before = null!;

    public async ValueTask InitializeAsync()
    {
        _lcd = await LcdDaemon.StartWithBusyboxAsync();
        // Once: the default bridge and the chains the plugins make once and keep (CNI-HOSTPORT-*, CNI-FORWARD, CNI-ISOLATION-*).
        CliResult warm = await Docker("run", "--rm", "-p", "127.0.0.1::80", "busybox", "true");
        warm.ExitCode.Should().Be(0, warm.Stderr);
        _before = HostState.Take();
    }

    public async ValueTask DisposeAsync()
    {
        CliResult left = await Docker("ps", "-aq");
        CliResult networks = await Docker("network", "ls", "--filter", "type=custom", "-q");
        await _lcd.DisposeAsync();
        left.Stdout.Trim().Should().BeEmpty("each test removes its containers");
        networks.Stdout.Trim().Should().BeEmpty("each test removes its networks");
        HostState.Run("ip", "-o", "link", "show").Should().NotContain(_lcd.BridgePrefix, "the daemon's bridges go with it");
    }

    private Task<CliResult> Docker(params string[] args) => Cli.DockerAsync(_lcd, args);

    private async Task<CliResult> Ok(params string[] args)
    {
        CliResult result = await Docker(args);
        result.ExitCode.Should().Be(0, $"docker {string.Join(' ', args)}: {result.Stderr}");
        return result;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The subnet 10.X.Y.0/24 next to the daemon's default one (unique per test daemon).</summary>
    private string Subnet(int offset) => _lcd.SubnetNear(offset);

    private static async Task<string> GetAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync(new Uri(url));
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                await Task.Delay(100); // httpd is not listening yet
            }
        }
    }

    /// <summary>busybox wget inside a fresh container on <paramref name="network"/>, retried while the server comes up.</summary>
    private Task<CliResult> WgetFrom(string network, string url, int attempts = 10) =>
        Docker("run", "--rm", "--network", network, "busybox", "sh", "-c",
            $"for i in $(seq {attempts}); do timeout 2 wget -q -O - {url} && exit 0; sleep 0.2; done; exit 1");

    [Fact]
    public async Task RunPublished_HostReachesPort_PortPsInspectShowIt()
    {
        int port = FreePort();

        string id = (await Ok("run", "-d", "-p", $"127.0.0.1:{port}:80", "--name", "web", "busybox", "httpd", "-f", "-p", "80")).Stdout.Trim();

        (await GetAsync($"http://127.0.0.1:{port}/etc/hostname")).Should().Be(id[..12] + "\n", "the request reaches httpd in the container, whose hostname is its short id");
        (await Ok("port", "web")).Stdout.Should().Be($"80/tcp -> 127.0.0.1:{port}\n");
        (await Ok("port", "web", "80/tcp")).Stdout.Should().Be($"127.0.0.1:{port}\n");
        (await Ok("ps", "--format", "{{.Names}} {{.Ports}}")).Stdout.Should().Be($"web 127.0.0.1:{port}->80/tcp\n");
        string address = (await Ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web")).Stdout.Trim();
        address.Should().StartWith(_lcd.DefaultSubnet[..^"0/24".Length], "the default bridge network's subnet is the daemon's --bip");
        (await Ok("inspect", "-f", "{{.NetworkSettings.Gateway}} {{.NetworkSettings.IPPrefixLen}} {{len .NetworkSettings.MacAddress}}", "web")).Stdout.Trim()
            .Should().Be($"{_lcd.DefaultSubnet[..^"0/24".Length]}1 24 17");
        (await Ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", "bridge")).Stdout.Trim().Should().Be("web");

        await Ok("rm", "-f", "web");

        HostState.Take().ShouldEqual(_before, "after docker rm -f");
        LcdDaemon.MountsUnder(_lcd.Dir).Should().BeEmpty();
    }

    [Fact]
    public async Task PublishRandomAndUdpAndAll_PortsAssigned_StoppedContainerHasNone()
    {
        await Ok("run", "-d", "--name", "ports", "-p", "80", "-p", "127.0.0.1::5353/udp", "--expose", "8080", "-P", "busybox", "sleep", "300");

        string[] lines = (await Ok("port", "ports")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        lines.Should().HaveCount(3);
        lines[0].Should().MatchRegex(@"^5353/udp -> 127\.0\.0\.1:[1-9][0-9]*$");
        lines[1].Should().MatchRegex(@"^80/tcp -> 0\.0\.0\.0:[1-9][0-9]*$");
        lines[2].Should().MatchRegex(@"^8080/tcp -> 0\.0\.0\.0:[1-9][0-9]*$", "-P publishes the exposed port on a random host port");

        await Ok("stop", "-t", "0", "ports");
        HostState.Take().ShouldEqual(_before, "a stopped container has no sandbox (DEL at stop)");
        (await Ok("port", "ports")).Stdout.Should().BeEmpty();
        await Ok("start", "ports");
        (await Ok("port", "ports")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(3, "the ports are published again at start");
        await Ok("rm", "-f", "ports");

        HostState.Take().ShouldEqual(_before, "after docker rm -f");
    }

    [Fact]
    public async Task UserNetwork_ReachByName_OtherNetworkCannot_RemovedCleanly()
    {
        (await Ok("network", "create", "--subnet", Subnet(1), "front")).Stdout.Trim().Should().MatchRegex("^[0-9a-f]{64}$");
        await Ok("network", "create", "--subnet", Subnet(2), "--gateway", Subnet(2).Replace("0/24", "254", StringComparison.Ordinal), "other");
        (await Ok("network", "ls", "--format", "{{.Name}} {{.Driver}}")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)
            .Should().Equal("bridge bridge", "front bridge", "host host", "none null", "other bridge");
        (await Ok("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}", "other")).Stdout.Trim()
            .Should().Be($"{Subnet(2)} {Subnet(2).Replace("0/24", "254", StringComparison.Ordinal)}");
        string id = (await Ok("run", "-d", "--network", "front", "--name", "web", "busybox", "httpd", "-f", "-p", "80")).Stdout.Trim();
        string address = (await Ok("inspect", "-f", "{{.NetworkSettings.Networks.front.IPAddress}}", "web")).Stdout.Trim();

        CliResult byName = await WgetFrom("front", "http://web/etc/hostname");
        byName.ExitCode.Should().Be(0, byName.Stderr);
        byName.Stdout.Should().Be(id[..12] + "\n", "a member of a user network reaches another by its container name");
        (await WgetFrom("front", $"http://{id[..12]}/etc/hostname")).Stdout.Should().Be(id[..12] + "\n", "and by its short id, as Docker's alias");
        CliResult isolated = await WgetFrom("other", $"http://{address}/etc/hostname", attempts: 2);
        isolated.ExitCode.Should().NotBe(0, "a container on another network cannot reach it");
        (await WgetFrom("other", "http://web/etc/hostname", attempts: 1)).ExitCode.Should().NotBe(0, "nor resolve its name");

        CliResult inUse = await Docker("network", "rm", "front");
        inUse.ExitCode.Should().NotBe(0);
        inUse.Stderr.Should().Contain("in use");

        await Ok("rm", "-f", "web");
        (await Ok("network", "rm", "front", "other")).Stdout.Should().Be("front\nother\n");
        HostState.Take().ShouldEqual(_before, "after the containers and networks are removed");
        HostState.Run("ip", "-o", "link", "show").Should().NotContain(_lcd.BridgePrefix + "-", "the networks' bridges are gone");
    }

    [Fact]
    public async Task ConnectDisconnect_RunningContainer_JoinsAndLeaves()
    {
        await Ok("network", "create", "--subnet", Subnet(3), "back");
        string id = (await Ok("run", "-d", "--name", "api", "busybox", "httpd", "-f", "-p", "80")).Stdout.Trim();

        (await WgetFrom("back", "http://api/etc/hostname", attempts: 1)).ExitCode.Should().NotBe(0, "api is on the default bridge only");
        await Ok("network", "connect", "--alias", "service", "back", "api");
        (await Ok("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "api")).Stdout.Trim().Should().Be("back bridge");
        (await WgetFrom("back", "http://service/etc/hostname")).Stdout.Should().Be(id[..12] + "\n", "connected, with its alias");
        (await Ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", "back")).Stdout.Trim().Should().Be("api");
        CliResult twice = await Docker("network", "connect", "back", "api");
        twice.ExitCode.Should().NotBe(0);
        twice.Stderr.Should().Contain("already exists in network back");

        await Ok("network", "disconnect", "back", "api");
        (await WgetFrom("back", "http://api/etc/hostname", attempts: 1)).ExitCode.Should().NotBe(0, "disconnected");
        (await Ok("inspect", "-f", "{{.State.Running}}", "api")).Stdout.Trim().Should().Be("true", "the container keeps running");

        await Ok("rm", "-f", "api");
        await Ok("network", "rm", "back");
        HostState.Take().ShouldEqual(_before, "after connect, disconnect and removal");
    }

    [Fact]
    public async Task NoneHostAndContainerModes_AsDocker()
    {
        (await Ok("run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().Equal(["lo"], "--network none has only the loopback interface");
        (await Ok("run", "--rm", "--network", "none", "busybox", "sh", "-c", "ip -o link | grep -c UP")).Stdout.Trim().Should().Be("1", "lo is up");

        string hostLinks = string.Join('\n', Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        CliResult host = await Ok("run", "--rm", "--network", "host", "busybox", "sh", "-c", "ls /sys/class/net | sort");
        host.Stdout.Trim().Split('\n').Should().Contain("eth0").And.Contain("lo", "--network host sees the host's links");
        hostLinks.Should().Contain("eth0");

        await Ok("run", "-d", "--name", "owner", "--hostname", "sharedhost", "busybox", "httpd", "-f", "-p", "80");
        CliResult joined = await Ok("run", "--rm", "--network", "container:owner", "busybox", "sh", "-c",
            "for i in $(seq 10); do wget -q -O - http://127.0.0.1/etc/hostname && exit 0; sleep 0.2; done; exit 1");
        joined.Stdout.Should().Be("sharedhost\n", "container:<name> shares the other's network namespace (its loopback)");

        CliResult published = await Docker("run", "--rm", "--network", "none", "-p", "80", "busybox", "true");
        published.ExitCode.Should().NotBe(0);
        published.Stderr.Should().Contain("conflicting options: port publishing and the container type network mode");

        await Ok("rm", "-f", "owner");
        HostState.Take().ShouldEqual(_before, "after none, host and container modes");
    }

    [Fact]
    public async Task BadInput_ClearErrors_NothingLeft()
    {
        CliResult unknown = await Docker("run", "--name", "lost", "--network", "nosuch", "busybox", "true");
        unknown.ExitCode.Should().NotBe(0);
        unknown.Stderr.Should().Contain("network nosuch not found");
        (await Ok("inspect", "-f", "{{.State.Status}}", "lost")).Stdout.Trim().Should().Be("created", "as dockerd, the network is looked up at start");
        await Ok("rm", "lost");

        await Ok("network", "create", "--subnet", Subnet(4), "taken");
        CliResult overlap = await Docker("network", "create", "--subnet", Subnet(4).Replace("/24", "/25", StringComparison.Ordinal), "overlapping");
        overlap.ExitCode.Should().NotBe(0);
        overlap.Stderr.Should().Contain("overlaps network 'taken'");
        CliResult duplicate = await Docker("network", "create", "taken");
        duplicate.Stderr.Should().Contain("network with name taken already exists");
        (await Docker("network", "rm", "bridge")).Stderr.Should().Contain("bridge is a pre-defined network and cannot be removed");
        (await Docker("network", "rm", "nosuch")).Stderr.Should().Contain("No such network: nosuch");
        (await Docker("network", "create", "--subnet", "10.0.0.1/33", "bad")).ExitCode.Should().NotBe(0);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        CliResult busy = await Docker("run", "-d", "--name", "busy", "-p", $"127.0.0.1:{port}:80", "busybox", "sleep", "300");
        busy.ExitCode.Should().NotBe(0);
        busy.Stderr.Should().Contain($"127.0.0.1:{port}/tcp").And.Contain("in use on the host");
        (await Ok("inspect", "-f", "{{.State.Running}}", "busy")).Stdout.Trim().Should().Be("false");
        await Ok("rm", "busy");

        await Ok("network", "rm", "taken");
        HostState.Take().ShouldEqual(_before, "after refused requests");
    }

    [Fact]
    public async Task EtcFiles_HostsHostnameResolvConf_AsDocker()
    {
        CliResult files = await Ok("run", "--rm", "--hostname", "box", "busybox", "sh", "-c", "cat /etc/hostname; grep -c box /etc/hosts; grep -c '^nameserver 127' /etc/resolv.conf; hostname");

        files.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("box", "1", "0", "box");
    }

    [Fact]
    public async Task DaemonKilledAndRestarted_RunningContainerKeepsItsPort_RemovedCleanly()
    {
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            int port = FreePort();
            LcdDaemon crashed = await LcdDaemon.StartAsync(dir, "--load-busybox");
            CliResult run = await Cli.DockerAsync(crashed, "run", "-d", "-p", $"127.0.0.1:{port}:80", "--name", "web", "busybox", "httpd", "-f", "-p", "80");
            run.ExitCode.Should().Be(0, run.Stderr);
            string id = run.Stdout.Trim();
            (await GetAsync($"http://127.0.0.1:{port}/etc/hostname")).Should().Be(id[..12] + "\n");

            await crashed.KillAsync();
            await crashed.DisposeAsync();
            (await GetAsync($"http://127.0.0.1:{port}/etc/hostname")).Should().Be(id[..12] + "\n", "the container and its network outlive a SIGKILLed daemon");

            await using (LcdDaemon restarted = await LcdDaemon.StartAsync(dir))
            {
                (await Cli.DockerAsync(restarted, "port", "web")).Stdout.Should().Be($"80/tcp -> 127.0.0.1:{port}\n", "the restarted daemon's reconcile keeps a running container's sandbox");
                (await GetAsync($"http://127.0.0.1:{port}/etc/hostname")).Should().Be(id[..12] + "\n");
                CliResult rm = await Cli.DockerAsync(restarted, "rm", "-f", "web");
                rm.ExitCode.Should().Be(0, rm.Stderr);
            }

            LcdDaemon.MountsUnder(dir).Should().BeEmpty();
            HostState.Take().ShouldEqual(_before, "after the restarted daemon removed the container and went");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

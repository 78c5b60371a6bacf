using System.Net.Http;
using LibContainer;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;
using Lcd.Network.Tests.Infrastructure;

namespace Lcd.Network.Tests;

public sealed class ConnectivityTests(NetworkFixture fixture) : NetworkTest(fixture)
{
    [Fact]
    public async Task UserNetwork_TwoContainers_ReachEachOtherByAddressAndName()
    {
        string network = NetworkName("app");
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network }, Token);
        NetworkSandbox web = await Driver.AttachAsync("web1", new AttachOptions { Name = "web", Networks = [network], Hostname = "webhost" }, Token);
        await RunWebAsync("web1", web);
        NetworkSandbox client = await Driver.AttachAsync("client1", new AttachOptions { Name = "client", Networks = [network] }, Token);

        var byAddress = await WgetAsync(client, $"http://{web.Endpoints[0].IpAddress}/etc/hostname");
        await Driver.DetachAsync("client1", Token);
        client = await Driver.AttachAsync("client2", new AttachOptions { Networks = [network] }, Token);
        var byName = await WgetAsync(client, "http://web/etc/hostname");

        byAddress.Should().Be((0, "webhost\n"));
        byName.Should().Be((0, "webhost\n"), "the peer's /etc/hosts names 'web'");
        File.ReadAllText(client.HostsPath).Should().Contain($"{web.Endpoints[0].IpAddress}\tweb\n");
    }

    [Fact]
    public async Task PublishedPort_HostReachesItOn127001()
    {
        NetworkSandbox web = await Driver.AttachAsync("pub1", new AttachOptions { Hostname = "published", Ports = [PortMapping.Parse("127.0.0.1::80")] }, Token);
        await RunWebAsync("pub1", web);
        int port = web.Ports[0].HostPort;

        port.Should().BeGreaterThan(0, "a random host port was chosen");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? body = null;
        for (int i = 0; i < 25 && body is null; i++)
        {
            try
            {
                body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/etc/hostname"), Token);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200, Token);
            }
        }
        body.Should().Be("published\n");
    }

    [Fact]
    public async Task OtherNetwork_CannotReachTheContainer()
    {
        string a = NetworkName("a");
        string b = NetworkName("b");
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = a }, Token);
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = b }, Token);
        NetworkSandbox web = await Driver.AttachAsync("isoweb", new AttachOptions { Networks = [a], Hostname = "iso" }, Token);
        await RunWebAsync("isoweb", web);
        NetworkSandbox same = await Driver.AttachAsync("isosame", new AttachOptions { Networks = [a] }, Token);
        NetworkSandbox other = await Driver.AttachAsync("isoother", new AttachOptions { Networks = [b] }, Token);
        string url = $"http://{web.Endpoints[0].IpAddress}/etc/hostname";

        var fromSame = await WgetAsync(same, url);
        var fromOther = await WgetAsync(other, url, attempts: 3);

        fromSame.Should().Be((0, "iso\n"), "the server is up for its own network");
        fromOther.Code.Should().NotBe(0, "the firewall plugin's isolation drops traffic from another bridge network");
    }

    [Fact]
    public async Task None_OnlyLoopback()
    {
        NetworkSandbox sandbox = await Driver.AttachAsync("none1", new AttachOptions { Networks = ["none"] }, Token);

        var (code, output) = await RunToEndAsync("none1", Spec(sandbox, "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1; ip -o addr show lo"));

        code.Should().Be(0, output);
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).First().Should().Be("lo");
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => !l.Contains("inet", StringComparison.Ordinal)).Should().Be(1, "lo is the only interface");
        output.Should().Contain("inet 127.0.0.1/8", "the loopback plugin brought lo up");
        sandbox.Endpoints.Should().BeEmpty();
    }

    [Fact]
    public async Task Host_SeesTheHostsLinks()
    {
        NetworkSandbox sandbox = await Driver.AttachAsync("host1", new AttachOptions { Networks = ["host"] }, Token);
        string[] hostLinks = [.. File.ReadAllLines("/proc/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Order()];

        var (code, output) = await RunToEndAsync("host1", Spec(sandbox, "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1"));

        code.Should().Be(0);
        sandbox.NetNs.Should().BeNull();
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Order().Should().BeEquivalentTo(hostLinks);
    }

    [Fact]
    public async Task ContainerMode_SharesTheOthersNamespace()
    {
        NetworkSandbox web = await Driver.AttachAsync("shared1", new AttachOptions { Networks = ["none"], Hostname = "sharer" }, Token);
        await RunWebAsync("shared1", web);
        NetworkSandbox joined = await Driver.AttachAsync("shared2", new AttachOptions { Networks = ["container:shared1"] }, Token);

        var result = await WgetAsync(joined, "http://127.0.0.1/etc/hostname");

        joined.NetNs.Should().Be(web.NetNs);
        result.Should().Be((0, "sharer\n"), "127.0.0.1 is the other container's loopback");
        Func<Task> detachOwner = () => Driver.DetachAsync("shared1", Token);
        (await detachOwner.Should().ThrowAsync<NetworkConflictException>()).WithMessage("*shares its network namespace with shared2*");
    }

    [Fact]
    public async Task ConnectDisconnect_RunningContainer_GainsAndLosesThePeer()
    {
        string front = NetworkName("front");
        string back = NetworkName("back");
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = front }, Token);
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = back }, Token);
        NetworkSandbox web = await Driver.AttachAsync("cweb", new AttachOptions { Name = "api", Networks = [front], Hostname = "api" }, Token);
        IContainer server = await RunWebAsync("cweb", web);
        NetworkSandbox client = await Driver.AttachAsync("cclient", new AttachOptions { Networks = [back] }, Token);

        web = await Driver.ConnectAsync("cweb", back, ["api-alias"], Token);
        var connected = await WgetAsync(client, "http://api-alias/etc/hostname");
        string backAddress = web.Endpoints[1].IpAddress;
        web = await Driver.DisconnectAsync("cweb", back, Token);
        var disconnected = await WgetAsync(client, $"http://{backAddress}/etc/hostname", attempts: 2);

        web.Endpoints[0].IfName.Should().Be("eth0");
        connected.Should().Be((0, "api\n"), "the running server got eth1 on the client's network");
        disconnected.Code.Should().NotBe(0);
        File.ReadAllText(client.HostsPath).Should().NotContain("api");
        server.Status.Should().Be(ContainerStatus.Running);
    }
}

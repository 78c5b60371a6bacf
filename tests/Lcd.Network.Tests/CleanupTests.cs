using System.Net;
using System.Net.Sockets;
using LibContainer;
using Lcd.Network.Cni;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;
using Lcd.Network.Tests.Infrastructure;

namespace Lcd.Network.Tests;

public sealed class CleanupTests(NetworkFixture fixture) : NetworkTest(fixture)
{
    [Fact]
    public async Task Remove_AfterContainersAndPorts_HostAsBefore()
    {
        await WarmUpAsync();
        HostState before = HostState.Take();
        string network = NetworkName("gone");
        NetworkDefinition definition = await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network }, Token);
        NetworkSandbox web = await Driver.AttachAsync("gone1", new AttachOptions { Networks = [network], Ports = [PortMapping.Parse("127.0.0.1::80"), PortMapping.Parse("5353/udp")] }, Token);
        NetworkSandbox peer = await Driver.AttachAsync("gone2", new AttachOptions { Networks = [network] }, Token);
        IContainer server = await RunWebAsync("gone1", web);
        var reached = await WgetAsync(peer, "http://gone1/etc/hostname");
        string ipam = Path.Combine(Driver.IpamDirectory, network);
        string[] leases = Leases(ipam);
        HostState during = HostState.Take();

        await DestroyAsync(server);
        await Driver.DetachAsync("gone1", Token);
        await Driver.DetachAsync("gone2", Token);
        string[] leasesAfterDetach = Leases(ipam);
        HostState afterDetach = HostState.Take();
        await Driver.RemoveNetworkAsync(network, Token);

        reached.Code.Should().Be(0, reached.Output);
        leases.Should().HaveCount(2, "host-local leased one address per container under the driver's root");
        during.Links.Should().Contain(definition.Bridge).And.Contain(l => l.StartsWith("veth", StringComparison.Ordinal));
        during.Iptables.Should().Contain(l => l.Contains("CNI-DN-", StringComparison.Ordinal), "portmap's DNAT chain for the published ports");
        leasesAfterDetach.Should().BeEmpty("DEL released the leases");
        afterDetach.Links.Should().NotContain(l => l.StartsWith("veth", StringComparison.Ordinal) && !before.Links.Contains(l), "DEL removed the veths");
        afterDetach.Iptables.Should().NotContain(l => l.Contains("CNI-DN-", StringComparison.Ordinal) || l.Contains(web.Endpoints[0].IpAddress, StringComparison.Ordinal));
        HostState.Take().ShouldEqual(before, "after detach and network removal");
        Directory.Exists(ipam).Should().BeFalse();
        Directory.GetFiles(Path.Combine(Root, "netns")).Should().BeEmpty();
        Driver.Cni.ListCached().Should().BeEmpty();
    }

    [Fact]
    public async Task UnknownNetwork_ClearError_NothingLeft()
    {
        await WarmUpAsync();
        HostState before = HostState.Take();

        Func<Task> attach = () => Driver.AttachAsync("bad1", new AttachOptions { Networks = ["no-such-net"] }, Token);

        (await attach.Should().ThrowAsync<NetworkNotFoundException>()).WithMessage("network 'no-such-net' not found");
        HostState.Take().ShouldEqual(before, "a refused attach");
        Driver.ListSandboxes().Should().BeEmpty();
    }

    [Fact]
    public async Task OverlappingSubnet_Refused()
    {
        NetworkDefinition first = await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = NetworkName("o1") }, Token);
        string inside = first.Subnet.Replace(".0/24", ".128/25", StringComparison.Ordinal);

        Func<Task> overlapping = () => Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = NetworkName("o2"), Subnet = inside }, Token);
        Func<Task> hostRoute = () => Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = NetworkName("o3"), Subnet = NetworkDriver.HostRoutes().First(r => r.Device == "eth0" || r.Device != "lo").Route.ToString() }, Token);

        (await overlapping.Should().ThrowAsync<NetworkConflictException>()).WithMessage($"subnet {inside} of network '{NetworkName("o2")}' overlaps network '{NetworkName("o1")}' ({first.Subnet})");
        (await hostRoute.Should().ThrowAsync<NetworkConflictException>()).WithMessage("*overlaps*");
        Driver.ListNetworks().Select(n => n.Name).Should().NotContain([NetworkName("o2"), NetworkName("o3")]);
    }

    [Fact]
    public async Task HostPortInUse_ClearErrorNamingThePort_NothingLeft()
    {
        await WarmUpAsync();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        HostState before = HostState.Take();

        Func<Task> attach = () => Driver.AttachAsync("busy1", new AttachOptions { Ports = [PortMapping.Parse($"127.0.0.1:{port}:80")] }, Token);

        (await attach.Should().ThrowAsync<NetworkConflictException>()).WithMessage($"host port 127.0.0.1:{port}/tcp is in use on the host: bind(127.0.0.1:{port}) failed: *");
        HostState.Take().ShouldEqual(before, "a refused attach");
    }

    [Fact]
    public async Task HostPortPublishedTwice_SecondRefused()
    {
        NetworkSandbox first = await Driver.AttachAsync("twice1", new AttachOptions { Ports = [PortMapping.Parse("127.0.0.1::80")] }, Token);
        int port = first.Ports[0].HostPort;

        Func<Task> second = () => Driver.AttachAsync("twice2", new AttachOptions { Ports = [PortMapping.Parse($"{port}:80")] }, Token);

        (await second.Should().ThrowAsync<NetworkConflictException>()).WithMessage($"host port 0.0.0.0:{port}/tcp is already published by container 'twice1'");
        Driver.ListSandboxes().Select(s => s.ContainerId).Should().Equal("twice1");
    }

    [Fact]
    public async Task MissingPlugin_ClearError_NothingLeft()
    {
        await WarmUpAsync();
        string plugins = Directory.CreateTempSubdirectory("lcd-cni-partial-").FullName;
        try
        {
            // The chain's first plugins exist, firewall does not: ADD fails at its step and is undone.
            foreach (string plugin in new[] { "bridge", "host-local", "portmap", "loopback" })
            {
                File.CreateSymbolicLink(Path.Combine(plugins, plugin), Path.Combine("/usr/lib/cni", plugin));
            }
            using var driver = new NetworkDriver(Options with { PluginDirs = [plugins] });
            await driver.StartAsync(_ => true, Token);
            string network = NetworkName("miss");
            await driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network }, Token);
            HostState before = HostState.Take();

            Func<Task> attach = () => driver.AttachAsync("miss1", new AttachOptions { Networks = [network] }, Token);

            (await attach.Should().ThrowAsync<CniException>()).WithMessage($"CNI plugin 'firewall' not found in {plugins}: install containernetworking-plugins*");
            HostState after = HostState.Take();
            after.Links.Should().BeEquivalentTo(before.Links.Append(driver.InspectNetwork(network).Bridge).Distinct(), "only the network's bridge, made by the bridge plugin, stays until the network is removed");
            after.Iptables.Should().BeEquivalentTo(before.Iptables);
            after.Mounts.Should().BeEquivalentTo(before.Mounts);
            Leases(Path.Combine(driver.IpamDirectory, network)).Should().BeEmpty();
            driver.ListSandboxes().Should().BeEmpty();
            driver.Cni.ListCached().Should().BeEmpty();
            await driver.RemoveNetworkAsync(network, Token);
            HostState.Take().ShouldEqual(before, "after the network's removal");
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    [Fact]
    public async Task Check_AfterAdd_Passes_AddressRemovedInside_PluginErrorShown()
    {
        NetworkSandbox sandbox = await Driver.AttachAsync("check1", new AttachOptions(), Token);
        await Driver.CheckAsync("check1", Token);

        HostState.Run("nsenter", $"--net={sandbox.NetNs}", "ip", "addr", "flush", "dev", "eth0");
        Func<Task> check = () => Driver.CheckAsync("check1", Token);

        (await check.Should().ThrowAsync<CniException>()).WithMessage("CNI plugin '*' CHECK on network 'bridge' *");

        // The bridge plugin's DEL tears its masquerade down from the interface's addresses, which are gone
        // here: the driver removes what the plugin left.
        await Driver.DetachAsync("check1", Token);
        HostState.Take().Iptables.Should().NotContain(l => l.Contains("id: \\\"check1\\\"", StringComparison.Ordinal));
    }

    private static readonly string[] s_idleFilter =
    [
        "*filter", ":FORWARD ACCEPT [0:0]", ":CNI-ADMIN - [0:0]", ":CNI-FORWARD - [0:0]", ":CNI-ISOLATION-STAGE-1 - [0:0]", ":CNI-ISOLATION-STAGE-2 - [0:0]",
        "-A FORWARD -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge)\" -j CNI-ISOLATION-STAGE-1",
        "-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD",
        "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN",
        "-A CNI-ISOLATION-STAGE-1 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge)\" -j RETURN",
        "-A CNI-ISOLATION-STAGE-2 -m comment --comment \"CNI firewall plugin rules (ingressPolicy: same-bridge)\" -j RETURN",
        "COMMIT",
    ];

    private static readonly Dictionary<string, string[]> s_filterDefaults = new(StringComparer.Ordinal)
    {
        ["CNI-ISOLATION-STAGE-1"] = ["RETURN"], ["CNI-ISOLATION-STAGE-2"] = ["RETURN"], ["CNI-FORWARD"] = ["CNI-ADMIN"], ["CNI-ADMIN"] = [],
    };

    [Fact]
    public void IdleChainsRemoval_OnlyDefaults_DeletesJumpsRulesAndChainsInOneTransaction()
    {
        string? plan = NetworkDriver.IdleChainsRemoval("filter", ["FORWARD"], s_filterDefaults, s_idleFilter);

        plan.Should().NotBeNull();
        string[] lines = plan!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("*filter");
        lines[^1].Should().Be("COMMIT");
        lines.Where(l => l.StartsWith("-D FORWARD", StringComparison.Ordinal)).Should().HaveCount(2);
        lines.Where(l => l.StartsWith("-X ", StringComparison.Ordinal)).Should().BeEquivalentTo(
            ["-X CNI-ISOLATION-STAGE-1", "-X CNI-ISOLATION-STAGE-2", "-X CNI-FORWARD", "-X CNI-ADMIN"]);
        Array.IndexOf(lines, lines.Last(l => l.StartsWith("-D ", StringComparison.Ordinal))).Should().BeLessThan(Array.IndexOf(lines, lines.First(l => l.StartsWith("-X ", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("-A CNI-ISOLATION-STAGE-1 -i cni-a -j CNI-ISOLATION-STAGE-2")] // a network's isolation rule
    [InlineData("-A CNI-FORWARD -d 10.88.0.2/32 -j CNI-abc")] // an attachment's rule
    [InlineData("-A DOCKER-USER -j CNI-FORWARD")] // a jump from somebody's chain
    public void IdleChainsRemoval_InUse_Null(string extra) =>
        NetworkDriver.IdleChainsRemoval("filter", ["FORWARD"], s_filterDefaults, [.. s_idleFilter[..^1], extra, "COMMIT"]).Should().BeNull();

    [Fact]
    public void IdleChainsRemoval_NoChains_Null() =>
        NetworkDriver.IdleChainsRemoval("filter", ["FORWARD"], s_filterDefaults, ["*filter", ":FORWARD ACCEPT [0:0]", "COMMIT"]).Should().BeNull();

    [Fact]
    public void IptablesWords_QuotedComment_Unquoted()
    {
        NetworkDriver.IptablesWords("-A POSTROUTING -s 10.0.0.2/32 -m comment --comment \"name: \\\"bridge\\\" id: \\\"c1\\\"\" -j CNI-abc")
            .Should().Equal("-A", "POSTROUTING", "-s", "10.0.0.2/32", "-m", "comment", "--comment", "name: \"bridge\" id: \"c1\"", "-j", "CNI-abc");
    }

    [Fact]
    public async Task RemoveNetwork_InUse_Refused()
    {
        string network = NetworkName("busy");
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network }, Token);
        await Driver.AttachAsync("inuse1", new AttachOptions { Networks = [network] }, Token);

        Func<Task> remove = () => Driver.RemoveNetworkAsync(network, Token);

        (await remove.Should().ThrowAsync<NetworkConflictException>()).WithMessage($"network '{network}' is in use by container(s) inuse1");
        Driver.InspectNetwork(network).Name.Should().Be(network);
    }

    [Fact]
    public async Task RemoveNetwork_WhileAPluginRunsOnTheHost_GlobalChainsStay()
    {
        string network = NetworkName("held");
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network }, Token);
        await Driver.AttachAsync("held1", new AttachOptions { Networks = [network] }, Token);

        // Another driver's plugin between its iptables calls (the firewall plugin makes CNI-FORWARD, then jumps to it).
        using (await HostChainsLock.SharedAsync(Options.HostLockPath, Token))
        {
            await Driver.DetachAsync("held1", Token);
            await Driver.RemoveNetworkAsync(network, Token);

            string filter = HostState.Run("iptables-save", "-t", "filter");
            filter.Should().Contain(":CNI-FORWARD ", "a removal must not pull the chain from under a running plugin");
        }
        await Driver.RemoveIdleGlobalChainsAsync(Token);
    }

    [Fact]
    public async Task HostChainsLock_SharedHoldsTogether_ExclusiveOnlyAlone()
    {
        string path = Path.Combine(Root, "lock", "chains.lock");
        HostChainsLock first = await HostChainsLock.SharedAsync(path, Token);
        HostChainsLock second = await HostChainsLock.SharedAsync(path, Token);

        HostChainsLock.TryExclusive(path).Should().BeNull("two shared holders");
        first.Dispose();
        HostChainsLock.TryExclusive(path).Should().BeNull("one shared holder");
        second.Dispose();
        using (HostChainsLock? exclusive = HostChainsLock.TryExclusive(path))
        {
            exclusive.Should().NotBeNull("nobody holds it");
            Task<HostChainsLock> waiting = HostChainsLock.SharedAsync(path, Token);
            await Task.Delay(50, Token);
            waiting.IsCompleted.Should().BeFalse("a shared hold waits for the exclusive one");
            exclusive!.Dispose();
            (await waiting).Dispose();
        }
    }
}

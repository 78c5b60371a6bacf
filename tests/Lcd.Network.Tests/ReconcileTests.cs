using System.Diagnostics;
using Lcd.Network.Tests.Infrastructure;

namespace Lcd.Network.Tests;

public sealed class ReconcileTests(NetworkFixture fixture) : NetworkTest(fixture)
{
    [Fact]
    public async Task OwnerKilled_RestartReconciles_GoneContainersLeaveNothing()
    {
        await WarmUpAsync();
        HostState before = HostState.Take();
        string crashRoot = Path.Combine(Fixture.WorkDir, $"crash-{Guid.NewGuid():N}");
        string network = NetworkName("crash");
        string host = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Lcd.Network.TestHost", new DirectoryInfo(AppContext.BaseDirectory).Name, "Lcd.Network.TestHost.dll"));
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet, [host, crashRoot, Fixture.Prefix, Options.SubnetPool, network, "kept", "orphan"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (Process owner = Process.Start(start)!)
        {
            string? line = await owner.StandardOutput.ReadLineAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Token);
            line.Should().Be("ready", await (owner.HasExited ? owner.StandardError.ReadToEndAsync(Token) : Task.FromResult("")));
            owner.Kill(); // SIGKILL: no finally, no DEL
            await owner.WaitForExitAsync(Token);
        }
        HostState crashed = HostState.Take();
        using var restarted = new NetworkDriver(Options with { RootDirectory = crashRoot });

        IReadOnlyList<string> removed = await restarted.StartAsync(id => id == "kept", Token);
        HostState reconciled = HostState.Take();
        string[] leases = Leases(Path.Combine(restarted.IpamDirectory, network));
        await restarted.DetachAsync("kept", Token);
        await restarted.RemoveNetworkAsync(network, Token);
        await restarted.RemoveDefaultNetworkAsync(Token);

        crashed.Mounts.Should().Contain(Path.Combine(crashRoot, "netns", "orphan"), "the crash left the netns mounted");
        crashed.Iptables.Should().Contain(l => l.Contains("CNI-DN-", StringComparison.Ordinal), "and portmap's rules");
        removed.Should().Equal("orphan");
        restarted.ListSandboxes().Select(s => s.ContainerId).Should().BeEmpty();
        reconciled.Mounts.Should().NotContain(Path.Combine(crashRoot, "netns", "orphan")).And.Contain(Path.Combine(crashRoot, "netns", "kept"));
        reconciled.Links.Count(l => l.StartsWith("veth", StringComparison.Ordinal)).Should().Be(crashed.Links.Count(l => l.StartsWith("veth", StringComparison.Ordinal)) - 1, "the orphan's veth is gone, the kept one's stays");
        leases.Should().HaveCount(1, "the orphan's lease is released, the kept container's stays");
        HostState.Take().ShouldEqual(before, "after the kept container's detach and the network's removal");
        Directory.Delete(crashRoot, recursive: true);
    }
}

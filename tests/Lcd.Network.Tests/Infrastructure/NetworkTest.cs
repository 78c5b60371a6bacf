using System.Text;
using LibContainer;
using LibContainer.Spec;
using Lcd.Network.Sandboxes;

namespace Lcd.Network.Tests.Infrastructure;

/// <summary>
/// The base of the real-network tests: a driver with its own root (networks, netns files, IPAM
/// leases in a temp dir, never /var/lib/cni), the run's bridge prefix, a library factory, and at the
/// end every container destroyed, every sandbox detached and every network removed.
/// </summary>
public abstract class NetworkTest : IAsyncLifetime
{
    private readonly List<IContainer> _containers = [];

    protected NetworkTest(NetworkFixture fixture)
    {
        Require.Root();
        Require.Busybox();
        Require.File("/usr/lib/cni/bridge", "the CNI plugins: apt-get install -y containernetworking-plugins");
        Require.File("/usr/sbin/iptables", "apt-get install -y iptables");
        Fixture = fixture;
        Root = Path.Combine(fixture.WorkDir, $"net-{Guid.NewGuid():N}");
        Options = new NetworkDriverOptions { RootDirectory = Root, BridgePrefix = fixture.Prefix, SubnetPool = "10.213.0.0/16", FallbackNameservers = [] };
        Driver = new NetworkDriver(Options);
        Factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = Path.Combine(Root, "containers") });
    }

    protected NetworkFixture Fixture { get; }

    protected string Root { get; }

    protected NetworkDriverOptions Options { get; }

    protected NetworkDriver Driver { get; }

    protected ContainerFactory Factory { get; }

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    protected static string NewId() => $"c{Guid.NewGuid():N}"[..12];

    protected string NetworkName(string name) => $"{Fixture.Prefix}-{name}";

    /// <summary>The container's spec: the shared busybox rootfs, read-only, running <paramref name="args"/>, in <paramref name="sandbox"/>'s network.</summary>
    protected RuntimeSpec Spec(NetworkSandbox sandbox, params string[] args)
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root = new Root { Path = Fixture.Rootfs!, Readonly = true };
        spec.Process!.Terminal = false;
        spec.Process.Args = [.. args];
        sandbox.ApplyTo(spec);
        return spec;
    }

    protected async Task<IContainer> RunAsync(string id, RuntimeSpec spec)
    {
        IContainer container = await Factory.CreateAsync(id, spec, new ContainerOptions { Stdout = StdioMode.Pipe, Stderr = StdioMode.Pipe }, Token);
        _containers.Add(container);
        await container.StartAsync(Token);
        return container;
    }

    /// <summary>Runs a container to its end: (exit code, stdout + stderr).</summary>
    protected async Task<(int Code, string Output)> RunToEndAsync(string id, RuntimeSpec spec)
    {
        IContainer container = await RunAsync(id, spec);
        Task<string> stdout = ReadAllAsync(container.InitProcess.StandardOutput!);
        Task<string> stderr = ReadAllAsync(container.InitProcess.StandardError!);
        ExitStatus status = await container.InitProcess.WaitForExitAsync(Token);
        return (status.Code, await stdout + await stderr);
    }

    /// <summary>A busybox httpd serving the container's own / on port 80 (so /etc/hostname says who answered).</summary>
    protected async Task<IContainer> RunWebAsync(string id, NetworkSandbox sandbox) =>
        await RunAsync(id, Spec(sandbox, "httpd", "-f", "-p", "80", "-h", "/"));

    /// <summary>wget from a new container in <paramref name="sandbox"/>, retried for up to ~5 s while the server starts.</summary>
    protected Task<(int Code, string Output)> WgetAsync(NetworkSandbox sandbox, string url, int attempts = 25) =>
        RunToEndAsync(NewId(), Spec(sandbox, "sh", "-c", $"for i in $(seq {attempts}); do timeout 2 wget -q -O - {url} && exit 0; sleep 0.2; done; exit 1"));

    /// <summary>host-local's lease files: named by the address they lease.</summary>
    protected static string[] Leases(string dir) =>
        Directory.Exists(dir) ? [.. Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Where(f => System.Net.IPAddress.TryParse(f, out _))] : [];

    protected static async Task<string> ReadAllAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(Token);
    }

    /// <summary>Destroys a container the test made (before its sandbox is detached).</summary>
    protected async Task DestroyAsync(IContainer container)
    {
        await container.DestroyAsync(CancellationToken.None);
        await container.DisposeAsync();
        _containers.Remove(container);
    }

    /// <summary>
    /// Once per run: one attach and detach with a published port, so that the chains the plugins
    /// create once and keep (CNI-HOSTPORT-*, CNI-FORWARD, CNI-ISOLATION-STAGE-*) exist before a test
    /// compares iptables-save before and after.
    /// </summary>
    protected async Task WarmUpAsync()
    {
        if (Fixture.WarmedUp)
        {
            return;
        }
        string network = NetworkName("warm");
        await Driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network }, Token);
        await Driver.AttachAsync("warmup", new AttachOptions { Networks = [network], Ports = [Networks.PortMapping.Parse("127.0.0.1::80")] }, Token);
        await Driver.DetachAsync("warmup", Token);
        await Driver.RemoveNetworkAsync(network, Token);
        Fixture.WarmedUp = true;
    }

    public async ValueTask InitializeAsync() => await Driver.StartAsync(_ => true, Token);

    public virtual async ValueTask DisposeAsync()
    {
        foreach (IContainer container in _containers.ToList())
        {
            await DestroyAsync(container);
        }
        foreach (NetworkSandbox sandbox in Driver.ListSandboxes().OrderBy(s => s.Mode == NetworkMode.Container ? 0 : 1))
        {
            await Driver.DetachAsync(sandbox.ContainerId, CancellationToken.None);
        }
        foreach (Networks.NetworkDefinition network in Driver.ListNetworks())
        {
            if (!network.IsDefault)
            {
                await Driver.RemoveNetworkAsync(network.Name, CancellationToken.None);
            }
        }
        await Driver.RemoveDefaultNetworkAsync(CancellationToken.None);
        Driver.Dispose();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
        GC.SuppressFinalize(this);
    }
}

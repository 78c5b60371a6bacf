using System.Text.Json;
using Lcd.Network.Cni;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lcd.Network;

/// <summary>
/// The daemon's network driver: bridge networks and container sandboxes made by Debian's CNI plugins
/// (bridge + host-local, portmap, firewall, loopback), run as containerd and nerdctl run them. The
/// driver owns what it keeps under <see cref="NetworkDriverOptions.RootDirectory"/>; the plugins own
/// the veths, addresses, routes and iptables rules they make and remove them on DEL.
/// </summary>
/// <example><code>
/// var driver = new NetworkDriver(new NetworkDriverOptions { RootDirectory = "/var/lib/lcd/network" });
/// await driver.StartAsync(id => containers.Contains(id));           // reconciles what a crash left
/// await driver.CreateNetworkAsync(new NetworkCreateOptions { Name = "backend" });
/// NetworkSandbox sandbox = await driver.AttachAsync("web", new AttachOptions { Networks = ["backend"], Ports = [PortMapping.Parse("127.0.0.1:8080:80")] });
/// sandbox.ApplyTo(spec);                                              // the container joins sandbox.NetNs
/// ...
/// await driver.DetachAsync("web");                                    // DEL, then nothing is left
/// </code></example>
public sealed partial class NetworkDriver : IDisposable
{
    private const string LoopbackNetwork = "lcd-loopback";
    private readonly NetworkDriverOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);

    public NetworkDriver(NetworkDriverOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new NetworkDriverOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Lcd.Network");
        Cni = new CniRuntime(_options.PluginDirs, Path.Combine(Root, "cni"), _options.PluginTimeout, _logger, _options.HostLockPath);
    }

    public string Root => _options.RootDirectory;

    public void Dispose() => _lock.Dispose();

    /// <summary>The CNI runtime the driver runs the plugins with.</summary>
    public CniRuntime Cni { get; }

    /// <summary>host-local's dataDir: one directory of leases per network.</summary>
    public string IpamDirectory => Path.Combine(Root, "ipam");

    private string NetworksDir => Path.Combine(Root, "networks");

    private string SandboxesDir => Path.Combine(Root, "sandboxes");

    private string NetnsDir => Path.Combine(Root, "netns");

    /// <summary>
    /// Makes the driver's directories and the default network, and first reconciles what a crash
    /// left: the sandbox of every container <paramref name="containerExists"/> denies is detached
    /// (CNI DEL with the cached results, netns unmounted, files removed), as are CNI results and netns
    /// files no sandbox owns. Returns the containers whose sandboxes were removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> StartAsync(Func<string, bool> containerExists, CancellationToken cancellationToken = default)
    {
        foreach (string dir in new[] { NetworksDir, SandboxesDir, NetnsDir, IpamDirectory })
        {
            Directory.CreateDirectory(dir);
        }
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<string> removed = await ReconcileLockedAsync(containerExists, cancellationToken).ConfigureAwait(false);
            if (FindNetwork(_options.DefaultNetworkName) is null)
            {
                await CreateNetworkLockedAsync(new NetworkCreateOptions { Name = _options.DefaultNetworkName, Subnet = _options.DefaultSubnet }, isDefault: true).ConfigureAwait(false);
            }
            return removed;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary><see cref="StartAsync"/>'s reconciliation alone, for a running driver.</summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(Func<string, bool> containerExists, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReconcileLockedAsync(containerExists, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<IReadOnlyList<string>> ReconcileLockedAsync(Func<string, bool> containerExists, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        // Those sharing another's namespace first: theirs is removed with the other's.
        foreach (NetworkSandbox sandbox in LoadSandboxes().OrderBy(s => s.Mode == NetworkMode.Container ? 0 : 1))
        {
            if (!containerExists(sandbox.ContainerId))
            {
                _logger.ReconcileRemoving(sandbox.ContainerId);
                try
                {
                    await RemoveSandboxLockedAsync(sandbox, cancellationToken).ConfigureAwait(false);
                    removed.Add(sandbox.ContainerId);
                }
                catch (Exception e) when (e is CniException or IOException)
                {
                    // Kept for the next start: one broken leftover must not keep the driver from starting.
                    _logger.ReconcileFailed(sandbox.ContainerId, e.Message);
                }
            }
        }
        HashSet<string> owners = [.. LoadSandboxes().Select(s => s.ContainerId)];
        // A crash between a plugin's ADD and the sandbox's record: the CNI cache still says what to DEL.
        foreach ((string network, string containerId, string ifName, string? netns) in Cni.ListCached().ToList())
        {
            if (!owners.Contains(containerId))
            {
                _logger.ReconcileOrphanAttachment(network, containerId, ifName);
                try
                {
                    await Cni.DeleteCachedAsync(network, containerId, ifName, ExistingNetns(netns), cancellationToken).ConfigureAwait(false);
                    await RemoveMasqueradeLeftoversAsync(network, containerId, cancellationToken).ConfigureAwait(false);
                    removed.Add(containerId);
                }
                catch (CniException e)
                {
                    _logger.ReconcileFailed(containerId, e.Message);
                }
            }
        }
        foreach (string netns in Directory.Exists(NetnsDir) ? Directory.GetFiles(NetnsDir) : [])
        {
            if (!owners.Contains(Path.GetFileName(netns)))
            {
                NetnsFile.Remove(netns);
            }
        }
        foreach (string dir in Directory.Exists(SandboxesDir) ? Directory.GetDirectories(SandboxesDir) : [])
        {
            if (!owners.Contains(Path.GetFileName(dir)))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        return [.. removed.Distinct()];
    }

    private static string ExistingNetns(string? netns) => netns is not null && File.Exists(netns) ? netns : "";

    private async Task<ChildProcess.Output> RunToolAsync(string tool, string[] args, CancellationToken cancellationToken)
    {
        ChildProcess.Output output = await ChildProcess.RunAsync(tool, args, [], [], _options.PluginTimeout, cancellationToken).ConfigureAwait(false);
        return output;
    }

    private IEnumerable<NetworkSandbox> LoadSandboxes()
    {
        if (!Directory.Exists(SandboxesDir))
        {
            yield break;
        }
        foreach (string dir in Directory.GetDirectories(SandboxesDir))
        {
            string file = Path.Combine(dir, "sandbox.json");
            if (File.Exists(file))
            {
                yield return JsonSerializer.Deserialize(File.ReadAllBytes(file), NetworkJsonContext.Default.NetworkSandbox)!;
            }
        }
    }

    private NetworkSandbox? LoadSandbox(string containerId)
    {
        string file = Path.Combine(SandboxesDir, containerId, "sandbox.json");
        return CniRuntime.IsSafeName(containerId) && File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllBytes(file), NetworkJsonContext.Default.NetworkSandbox) : null;
    }

    private void SaveSandbox(NetworkSandbox sandbox)
    {
        string dir = Path.Combine(SandboxesDir, sandbox.ContainerId);
        Directory.CreateDirectory(dir);
        AtomicFile.Write(Path.Combine(dir, "sandbox.json"), JsonSerializer.SerializeToUtf8Bytes(sandbox, NetworkJsonContext.Default.NetworkSandbox));
    }
}

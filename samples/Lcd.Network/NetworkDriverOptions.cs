using Lcd.Network.Cni;

namespace Lcd.Network;

/// <summary>Where the driver keeps its state and which names and addresses it uses.</summary>
public sealed record NetworkDriverOptions
{
    /// <summary>
    /// Everything the driver owns on disk: network definitions, sandboxes and their files, netns
    /// bind mounts, the CNI result cache and host-local's leases (its dataDir).
    /// </summary>
    public string RootDirectory { get; init; } = "/var/lib/lcd/network";

    public IReadOnlyList<string> PluginDirs { get; init; } = CniRuntime.DefaultPluginDirs;

    public TimeSpan PluginTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One file for every driver on the host (not under <see cref="RootDirectory"/>): the plugins run holding
    /// it shared, the removal of their idle global chains exclusively (see <see cref="HostChainsLock"/>).
    /// </summary>
    public string HostLockPath { get; init; } = "/run/lock/lcd-network.lock";

    /// <summary>Bridges are named PREFIX-ID (15 characters at most); the default network's is PREFIX0.</summary>
    public string BridgePrefix { get; init; } = "lcd";

    /// <summary>The network a container joins when it names none (Docker's "bridge").</summary>
    public string DefaultNetworkName { get; init; } = "bridge";

    /// <summary>The default network's subnet; the next free one of the pool when null.</summary>
    public string? DefaultSubnet { get; init; }

    /// <summary>Subnets of <see cref="SubnetSize"/> are taken from here, skipping those the driver or the host's routes use.</summary>
    public string SubnetPool { get; init; } = "10.89.0.0/16";

    public int SubnetSize { get; init; } = 24;

    /// <summary>The resolv.conf containers get a copy of (loopback nameservers left out, as Docker does).</summary>
    public string HostResolvConf { get; init; } = "/etc/resolv.conf";

    /// <summary>Nameservers written when the host's are all loopback ones (Docker writes Google's); none when empty.</summary>
    public IReadOnlyList<string> FallbackNameservers { get; init; } = ["8.8.8.8", "8.8.4.4"];
}

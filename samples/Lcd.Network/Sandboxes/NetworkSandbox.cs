using System.Text.Json.Serialization;
using LibContainer.Spec;
using Lcd.Network.Networks;

namespace Lcd.Network.Sandboxes;

/// <summary>
/// A container's network: its namespace (a bind-mounted netns file, another container's, or the
/// host's), its endpoints on networks, its published ports, and the /etc/hosts, /etc/hostname and
/// /etc/resolv.conf the driver writes for it. Persisted as JSON under the driver's root; what a
/// crash leaves is found again at the next start.
/// </summary>
public sealed record NetworkSandbox
{
    [JsonPropertyName("containerId")]
    public required string ContainerId { get; init; }

    /// <summary>The name other members of its user-defined networks resolve (the daemon's container name).</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("mode")]
    public required NetworkMode Mode { get; init; }

    /// <summary>For <see cref="NetworkMode.Container"/>: whose namespace this one shares.</summary>
    [JsonPropertyName("joinedContainer")]
    public string? JoinedContainer { get; init; }

    /// <summary>The namespace file the container joins; null in <see cref="NetworkMode.Host"/>.</summary>
    [JsonPropertyName("netns")]
    public string? NetNs { get; init; }

    [JsonPropertyName("hostname")]
    public required string Hostname { get; init; }

    [JsonPropertyName("endpoints")]
    public List<Endpoint> Endpoints { get; init; } = [];

    /// <summary>Published ports with their host ports resolved.</summary>
    [JsonPropertyName("ports")]
    public List<PortMapping> Ports { get; init; } = [];

    [JsonPropertyName("hostsPath")]
    public required string HostsPath { get; init; }

    [JsonPropertyName("hostnamePath")]
    public required string HostnamePath { get; init; }

    [JsonPropertyName("resolvConfPath")]
    public required string ResolvConfPath { get; init; }

    /// <summary>
    /// Makes a container created from <paramref name="spec"/> use this sandbox: it joins the namespace
    /// (linux.namespaces, type network, path = <see cref="NetNs"/>; in host mode no network namespace
    /// at all), takes the hostname, and bind-mounts the three files over /etc/hosts, /etc/hostname and
    /// /etc/resolv.conf (replacing any mount of those already in the spec).
    /// </summary>
    /// <example><code>
    /// NetworkSandbox sandbox = await driver.AttachAsync("web", new AttachOptions { Networks = ["backend"] });
    /// RuntimeSpec spec = RuntimeSpec.CreateDefault();
    /// sandbox.ApplyTo(spec);
    /// IContainer container = await factory.RunAsync("web", spec);
    /// </code></example>
    public void ApplyTo(RuntimeSpec spec)
    {
        spec.Linux ??= new Linux();
        List<LinuxNamespace> namespaces = spec.Linux.Namespaces ??= [];
        namespaces.RemoveAll(n => n.Type == "network");
        if (NetNs is not null)
        {
            namespaces.Add(new LinuxNamespace { Type = "network", Path = NetNs });
        }
        if (namespaces.Any(n => n.Type == "uts"))
        {
            spec.Hostname = Hostname;
        }
        List<Mount> mounts = spec.Mounts ??= [];
        foreach ((string destination, string source) in new[] { ("/etc/hosts", HostsPath), ("/etc/hostname", HostnamePath), ("/etc/resolv.conf", ResolvConfPath) })
        {
            mounts.RemoveAll(m => m.Destination == destination);
            mounts.Add(new Mount { Destination = destination, Type = "bind", Source = source, Options = ["rbind", "rprivate"] });
        }
    }
}

/// <summary>How a container is networked (Docker's --network).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkMode>))]
public enum NetworkMode
{
    /// <summary>Its own namespace, on one or more bridge networks.</summary>
    Bridge,

    /// <summary>Its own namespace with only the loopback interface.</summary>
    None,

    /// <summary>The host's namespace.</summary>
    Host,

    /// <summary>Another container's namespace (<c>container:&lt;id&gt;</c>).</summary>
    Container,
}

/// <summary>A sandbox's interface on one network.</summary>
public sealed record Endpoint
{
    [JsonPropertyName("network")]
    public required string Network { get; init; }

    [JsonPropertyName("networkId")]
    public required string NetworkId { get; init; }

    [JsonPropertyName("ifName")]
    public required string IfName { get; init; }

    /// <summary>CIDR: <c>10.89.0.2/24</c>.</summary>
    [JsonPropertyName("address")]
    public required string Address { get; init; }

    [JsonPropertyName("gateway")]
    public string? Gateway { get; init; }

    [JsonPropertyName("mac")]
    public string? Mac { get; init; }

    [JsonPropertyName("aliases")]
    public List<string> Aliases { get; init; } = [];

    /// <summary>The address without its prefix length.</summary>
    [JsonIgnore]
    public string IpAddress => Address.Split('/')[0];
}

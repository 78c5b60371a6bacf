using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Lcd.Network.Cni;

/// <summary>The CNI 1.0 "Success" result of ADD: the interfaces made, their addresses, routes and DNS.</summary>
public sealed record CniResult
{
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; init; }

    [JsonPropertyName("interfaces")]
    public List<CniInterface>? Interfaces { get; init; }

    [JsonPropertyName("ips")]
    public List<CniIpConfig>? Ips { get; init; }

    [JsonPropertyName("routes")]
    public List<CniRoute>? Routes { get; init; }

    [JsonPropertyName("dns")]
    public CniDns? Dns { get; init; }
}

public sealed record CniInterface
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("mac")]
    public string? Mac { get; init; }

    /// <summary>The netns path for an interface in the container; absent for a host-side one (the bridge, the host end of a veth).</summary>
    [JsonPropertyName("sandbox")]
    public string? Sandbox { get; init; }
}

public sealed record CniIpConfig
{
    /// <summary>CIDR notation: <c>10.22.0.2/24</c>.</summary>
    [JsonPropertyName("address")]
    public required string Address { get; init; }

    [JsonPropertyName("gateway")]
    public string? Gateway { get; init; }

    /// <summary>Index into <see cref="CniResult.Interfaces"/>.</summary>
    [JsonPropertyName("interface")]
    public int? Interface { get; init; }
}

public sealed record CniRoute
{
    [JsonPropertyName("dst")]
    public required string Dst { get; init; }

    [JsonPropertyName("gw")]
    public string? Gw { get; init; }
}

public sealed record CniDns
{
    [JsonPropertyName("nameservers")]
    public List<string>? Nameservers { get; init; }

    [JsonPropertyName("domain")]
    public string? Domain { get; init; }

    [JsonPropertyName("search")]
    public List<string>? Search { get; init; }

    [JsonPropertyName("options")]
    public List<string>? Options { get; init; }
}

/// <summary>The CNI error object a plugin prints when it fails.</summary>
public sealed record CniError
{
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; init; }

    [JsonPropertyName("code")]
    public int Code { get; init; }

    [JsonPropertyName("msg")]
    public string Msg { get; init; } = "";

    [JsonPropertyName("details")]
    public string? Details { get; init; }
}

/// <summary>What VERSION answers.</summary>
public sealed record CniVersionResult
{
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; init; }

    [JsonPropertyName("supportedVersions")]
    public List<string> SupportedVersions { get; init; } = [];
}

/// <summary>
/// What ADD returned for one attachment (network, container, interface), kept on disk so that DEL and
/// CHECK get it as prevResult, with the config list ADD ran, as libcni's cache (kind cniCacheV1) keeps them:
/// a DEL after a crash or after the network's definition is gone still runs the same plugins.
/// </summary>
internal sealed record CniCacheEntry
{
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "cniCacheV1";

    [JsonPropertyName("containerId")]
    public required string ContainerId { get; init; }

    [JsonPropertyName("ifName")]
    public required string IfName { get; init; }

    [JsonPropertyName("networkName")]
    public required string NetworkName { get; init; }

    [JsonPropertyName("netns")]
    public string? NetNs { get; init; }

    [JsonPropertyName("config")]
    public required JsonObject Config { get; init; }

    [JsonPropertyName("capabilityArgs")]
    public JsonObject? CapabilityArgs { get; init; }

    [JsonPropertyName("cniArgs")]
    public List<List<string>>? CniArgs { get; init; }

    [JsonPropertyName("result")]
    public JsonObject? Result { get; init; }
}

using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's network shapes (v1.41): a container's NetworkSettings, `docker network` bodies.

/// <summary>A published port in HostConfig.PortBindings and NetworkSettings.Ports ("80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]).</summary>
public sealed record PortBindingJson(string? HostIp, string? HostPort);

/// <summary>docker ps's Ports entries.</summary>
public sealed record PortSummaryJson
{
    [JsonPropertyName("IP")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IP { get; init; }
    public int PrivatePort { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PublicPort { get; init; }
    public required string Type { get; init; }
}

/// <summary>EndpointSettings: a container on one network (in NetworkingConfig, NetworkSettings.Networks, network connect).</summary>
public sealed record EndpointSettingsJson
{
    public EndpointIpamConfigJson? IPAMConfig { get; set; }
    public List<string>? Links { get; set; }
    public List<string>? Aliases { get; set; }
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public string Gateway { get; set; } = "";
    public string IPAddress { get; set; } = "";
    public int IPPrefixLen { get; set; }
    public string IPv6Gateway { get; set; } = "";
    public string GlobalIPv6Address { get; set; } = "";
    public int GlobalIPv6PrefixLen { get; set; }
    public string MacAddress { get; set; } = "";
    public Dictionary<string, string>? DriverOpts { get; set; }
}

public sealed record EndpointIpamConfigJson
{
    public string? IPv4Address { get; set; }
    public string? IPv6Address { get; set; }
}

/// <summary>POST /containers/create's NetworkingConfig.</summary>
public sealed record NetworkingConfigJson
{
    public Dictionary<string, EndpointSettingsJson>? EndpointsConfig { get; set; }
}

/// <summary>inspect's NetworkSettings; the top-level address fields are those on the default "bridge" network, as Docker's.</summary>
public sealed record NetworkSettingsJson
{
    public string Bridge { get; init; } = "";
    public string SandboxID { get; init; } = "";
    public bool HairpinMode { get; init; }
    public string LinkLocalIPv6Address { get; init; } = "";
    public int LinkLocalIPv6PrefixLen { get; init; }
    public Dictionary<string, List<PortBindingJson>?> Ports { get; init; } = [];
    public string SandboxKey { get; init; } = "";
    public List<string>? SecondaryIPAddresses { get; init; }
    public List<string>? SecondaryIPv6Addresses { get; init; }
    public string EndpointID { get; init; } = "";
    public string Gateway { get; init; } = "";
    public string GlobalIPv6Address { get; init; } = "";
    public int GlobalIPv6PrefixLen { get; init; }
    public string IPAddress { get; init; } = "";
    public int IPPrefixLen { get; init; }
    public string IPv6Gateway { get; init; } = "";
    public string MacAddress { get; init; } = "";
    public Dictionary<string, EndpointSettingsJson> Networks { get; init; } = [];
}

/// <summary>docker ps's NetworkSettings: the networks only.</summary>
public sealed record SummaryNetworkSettings(Dictionary<string, EndpointSettingsJson> Networks);

/// <summary>IPAM.Config entries: a subnet and its gateway.</summary>
public sealed record IpamConfigJson
{
    public string? Subnet { get; set; }
    public string? IPRange { get; set; }
    public string? Gateway { get; set; }
    public Dictionary<string, string>? AuxiliaryAddresses { get; set; }
}

public sealed record IpamJson
{
    public string? Driver { get; set; }
    public List<IpamConfigJson>? Config { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

/// <summary>A network in GET /networks and GET /networks/{id}.</summary>
public sealed record NetworkResourceJson
{
    public required string Name { get; init; }
    public required string Id { get; init; }
    public required string Created { get; init; }
    public string Scope { get; init; } = "local";
    public required string Driver { get; init; }
    public bool EnableIPv6 { get; init; }
    public required IpamJson IPAM { get; init; }
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    public bool Ingress { get; init; }
    public NetworkConfigFromJson ConfigFrom { get; init; } = new("");
    public bool ConfigOnly { get; init; }
    public required Dictionary<string, NetworkContainerJson> Containers { get; init; }
    public required Dictionary<string, string> Options { get; init; }
    public required Dictionary<string, string> Labels { get; init; }
}

public sealed record NetworkConfigFromJson(string Network);

public sealed record NetworkContainerJson(string Name, string EndpointID, string MacAddress, string IPv4Address, string IPv6Address);

/// <summary>POST /networks/create.</summary>
public sealed record NetworkCreateRequest
{
    public string? Name { get; set; }
    public bool CheckDuplicate { get; set; }
    public string? Driver { get; set; }
    public bool Internal { get; set; }
    public bool Attachable { get; set; }
    public bool Ingress { get; set; }
    public bool EnableIPv6 { get; set; }
    public IpamJson? IPAM { get; set; }
    public Dictionary<string, string>? Options { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed record NetworkCreateResponse(string Id, string Warning);

/// <summary>POST /networks/{id}/connect.</summary>
public sealed record NetworkConnectRequest
{
    public string? Container { get; set; }
    public EndpointSettingsJson? EndpointConfig { get; set; }
}

/// <summary>POST /networks/{id}/disconnect.</summary>
public sealed record NetworkDisconnectRequest
{
    public string? Container { get; set; }
    public bool Force { get; set; }
}

public sealed record NetworkPruneResponse(List<string> NetworksDeleted);

[JsonSerializable(typeof(List<NetworkResourceJson>))]
[JsonSerializable(typeof(NetworkResourceJson))]
[JsonSerializable(typeof(NetworkCreateRequest))]
[JsonSerializable(typeof(NetworkCreateResponse))]
[JsonSerializable(typeof(NetworkConnectRequest))]
[JsonSerializable(typeof(NetworkDisconnectRequest))]
[JsonSerializable(typeof(NetworkPruneResponse))]
internal sealed partial class NetworkApiJsonContext : JsonSerializerContext;

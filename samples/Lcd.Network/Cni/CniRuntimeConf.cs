using System.Text.Json.Nodes;

namespace Lcd.Network.Cni;

/// <summary>
/// One attachment as CNI sees it: the container, its network namespace and the interface name in it,
/// CNI_ARGS, and the capability arguments (<c>portMappings</c>, ...) handed as <c>runtimeConfig</c>
/// to the plugins whose config lists that capability.
/// </summary>
public sealed record CniRuntimeConf
{
    public required string ContainerId { get; init; }

    /// <summary>The netns path (a bind-mounted netns file or <c>/proc/PID/ns/net</c>).</summary>
    public required string NetNs { get; init; }

    public required string IfName { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Args { get; init; } = [];

    public JsonObject? CapabilityArgs { get; init; }
}

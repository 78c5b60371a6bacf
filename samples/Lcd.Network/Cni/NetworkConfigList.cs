using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lcd.Network.Cni;

/// <summary>
/// A CNI network configuration list (a <c>.conflist</c>): a network's name, its CNI version and the
/// plugins run in order for ADD (in reverse for DEL). The plugins' own keys are kept as JSON objects,
/// since each plugin type has its own.
/// </summary>
public sealed class NetworkConfigList
{
    public NetworkConfigList(string name, string cniVersion, IReadOnlyList<JsonObject> plugins)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (plugins.Count == 0)
        {
            throw new ArgumentException($"network '{name}': the config list has no plugins", nameof(plugins));
        }
        foreach (JsonObject plugin in plugins)
        {
            string? type = plugin["type"]?.GetValueKind() == JsonValueKind.String ? plugin["type"]!.GetValue<string>() : null;
            if (string.IsNullOrEmpty(type) || type.Contains('/', StringComparison.Ordinal) || type is "." or "..")
            {
                throw new ArgumentException($"network '{name}': a plugin's \"type\" must be a plugin's file name, not {plugin["type"]?.ToJsonString() ?? "missing"}", nameof(plugins));
            }
        }
        Name = name;
        CniVersion = cniVersion;
        Plugins = plugins;
    }

    public string Name { get; }

    public string CniVersion { get; }

    public IReadOnlyList<JsonObject> Plugins { get; }

    public JsonObject ToJson() => new()
    {
        ["cniVersion"] = CniVersion,
        ["name"] = Name,
        ["plugins"] = new JsonArray([.. Plugins.Select(p => p.DeepClone())]),
    };

    /// <summary>Reads a <c>.conflist</c> (as containerd reads /etc/cni/net.d).</summary>
    public static NetworkConfigList Parse(JsonObject json)
    {
        string name = json["name"]?.GetValue<string>() ?? throw new ArgumentException("the config list has no \"name\"");
        string version = json["cniVersion"]?.GetValue<string>() ?? throw new ArgumentException($"network '{name}': the config list has no \"cniVersion\"");
        JsonArray plugins = json["plugins"] as JsonArray ?? throw new ArgumentException($"network '{name}': the config list has no \"plugins\" array");
        return new NetworkConfigList(name, version, [.. plugins.Select(p => (p as JsonObject ?? throw new ArgumentException($"network '{name}': a plugin is not an object")).DeepClone().AsObject())]);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lcd;

/// <summary>The configuration file, daemon.json's keys for what lcd has.</summary>
internal sealed class DaemonConfigFile
{
    [JsonPropertyName("hosts")] public List<string>? Hosts { get; set; }
    [JsonPropertyName("data-root")] public string? DataRoot { get; set; }
    [JsonPropertyName("exec-root")] public string? ExecRoot { get; set; }
    [JsonPropertyName("pidfile")] public string? Pidfile { get; set; }
    [JsonPropertyName("log-level")] public string? LogLevel { get; set; }
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("live-restore")] public bool? LiveRestore { get; set; }
    [JsonPropertyName("log-driver")] public string? LogDriver { get; set; }
    [JsonPropertyName("log-opts")] public Dictionary<string, string>? LogOpts { get; set; }
    [JsonPropertyName("bip")] public string? Bip { get; set; }
    [JsonPropertyName("bridge-prefix")] public string? BridgePrefix { get; set; }

    /// <summary>Keys lcd does not know: refused, as dockerd refuses them.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; set; }

    public static DaemonConfigFile? Read(string path, bool required)
    {
        if (!File.Exists(path))
        {
            return required ? throw new DaemonConfigException($"unable to configure the daemon with file {path}: no such file") : null;
        }
        DaemonConfigFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllBytes(path), DaemonJsonContext.Default.DaemonConfigFile);
        }
        catch (JsonException ex)
        {
            throw new DaemonConfigException($"unable to configure the daemon with file {path}: {ex.Message}");
        }
        if (file?.Unknown is { Count: > 0 } unknown)
        {
            throw new DaemonConfigException($"unable to configure the daemon with file {path}: the following directives don't match any configuration option: {string.Join(", ", unknown.Keys.Order(StringComparer.Ordinal))}");
        }
        return file;
    }
}

[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(DaemonConfigFile))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext;

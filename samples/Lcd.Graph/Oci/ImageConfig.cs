using System.Text.Json.Serialization;

namespace Lcd.Graph.Oci;

/// <summary>The image config (OCI image-spec config.md; Docker's is the same shape).</summary>
public sealed record ImageConfig
{
    /// <summary>When the image was created (RFC 3339).</summary>
    [JsonPropertyName("created")] public string? Created { get; init; }
    /// <summary>Who made it.</summary>
    [JsonPropertyName("author")] public string? Author { get; init; }
    /// <summary>REQUIRED: the CPU architecture.</summary>
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    /// <summary>REQUIRED: the operating system.</summary>
    [JsonPropertyName("os")] public required string Os { get; init; }
    /// <summary>OPTIONAL: the CPU variant.</summary>
    [JsonPropertyName("variant")] public string? Variant { get; init; }
    /// <summary>The defaults of a container made from the image.</summary>
    [JsonPropertyName("config")] public ContainerConfig? Config { get; init; }
    /// <summary>REQUIRED: the layers' uncompressed digests.</summary>
    [JsonPropertyName("rootfs")] public required RootFs RootFs { get; init; }
    /// <summary>The history of each layer.</summary>
    [JsonPropertyName("history")] public List<History>? History { get; init; }
}

/// <summary>The execution defaults in an image config.</summary>
public sealed record ContainerConfig
{
    /// <summary>The user (name or uid, with an optional :group).</summary>
    [JsonPropertyName("User")] public string? User { get; init; }
    /// <summary>Ports to expose, "80/tcp" -> {}.</summary>
    [JsonPropertyName("ExposedPorts")] public Dictionary<string, EmptyObject>? ExposedPorts { get; init; }
    /// <summary>NAME=value entries.</summary>
    [JsonPropertyName("Env")] public List<string>? Env { get; init; }
    /// <summary>The entrypoint.</summary>
    [JsonPropertyName("Entrypoint")] public List<string>? Entrypoint { get; init; }
    /// <summary>The default arguments.</summary>
    [JsonPropertyName("Cmd")] public List<string>? Cmd { get; init; }
    /// <summary>Directories that are volumes, "/data" -> {}.</summary>
    [JsonPropertyName("Volumes")] public Dictionary<string, EmptyObject>? Volumes { get; init; }
    /// <summary>The working directory.</summary>
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
    /// <summary>Labels.</summary>
    [JsonPropertyName("Labels")] public Dictionary<string, string>? Labels { get; init; }
    /// <summary>The signal that stops the container (SIGTERM, 15).</summary>
    [JsonPropertyName("StopSignal")] public string? StopSignal { get; init; }
}

/// <summary>The <c>{}</c> of ExposedPorts and Volumes.</summary>
public sealed record EmptyObject;

/// <summary>The layers' diff ids.</summary>
public sealed record RootFs
{
    /// <summary>"layers".</summary>
    [JsonPropertyName("type")] public string Type { get; init; } = "layers";
    /// <summary>The sha256 of each uncompressed layer tar, base first.</summary>
    [JsonPropertyName("diff_ids")] public required List<string> DiffIds { get; init; }
}

/// <summary>One step of an image's history.</summary>
public sealed record History
{
    /// <summary>When.</summary>
    [JsonPropertyName("created")] public string? Created { get; init; }
    /// <summary>The command that made the layer.</summary>
    [JsonPropertyName("created_by")] public string? CreatedBy { get; init; }
    /// <summary>A comment.</summary>
    [JsonPropertyName("comment")] public string? Comment { get; init; }
    /// <summary>True when the step made no layer.</summary>
    [JsonPropertyName("empty_layer")] public bool? EmptyLayer { get; init; }
}

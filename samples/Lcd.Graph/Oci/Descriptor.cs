using System.Text.Json.Serialization;

namespace Lcd.Graph.Oci;

/// <summary>An OCI content descriptor: what a blob is, its digest and its size.</summary>
public sealed record Descriptor
{
    /// <summary>REQUIRED: the media type of the referenced content.</summary>
    [JsonPropertyName("mediaType")] public required string MediaType { get; init; }
    /// <summary>REQUIRED: the digest of the content.</summary>
    [JsonPropertyName("digest")] public required string Digest { get; init; }
    /// <summary>REQUIRED: the size in bytes.</summary>
    [JsonPropertyName("size")] public required long Size { get; init; }
    /// <summary>OPTIONAL: annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
    /// <summary>OPTIONAL (indexes): the platform of the manifest.</summary>
    [JsonPropertyName("platform")] public Platform? Platform { get; init; }
}

/// <summary>The platform of a manifest in an index.</summary>
public sealed record Platform
{
    /// <summary>REQUIRED: the CPU architecture (amd64).</summary>
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    /// <summary>REQUIRED: the operating system (linux).</summary>
    [JsonPropertyName("os")] public required string Os { get; init; }
    /// <summary>OPTIONAL: the CPU variant (v8).</summary>
    [JsonPropertyName("variant")] public string? Variant { get; init; }
}

/// <summary>An image manifest (OCI or Docker schema2: the same fields).</summary>
public sealed record Manifest
{
    /// <summary>REQUIRED: 2.</summary>
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    /// <summary>The manifest's media type.</summary>
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    /// <summary>REQUIRED: the image config.</summary>
    [JsonPropertyName("config")] public required Descriptor Config { get; init; }
    /// <summary>REQUIRED: the layers, base first.</summary>
    [JsonPropertyName("layers")] public required List<Descriptor> Layers { get; init; }
    /// <summary>OPTIONAL: annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

/// <summary>An image index or manifest list.</summary>
public sealed record ImageIndex
{
    /// <summary>REQUIRED: 2.</summary>
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    /// <summary>The index's media type.</summary>
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    /// <summary>REQUIRED: the manifests.</summary>
    [JsonPropertyName("manifests")] public required List<Descriptor> Manifests { get; init; }
    /// <summary>OPTIONAL: annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}

/// <summary>One image in a <c>docker save</c> archive's manifest.json.</summary>
public sealed record DockerArchiveEntry
{
    /// <summary>The config file's path in the archive.</summary>
    [JsonPropertyName("Config")] public required string Config { get; init; }
    /// <summary>The names the image was saved with.</summary>
    [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; init; }
    /// <summary>The layer tars' paths in the archive, base first.</summary>
    [JsonPropertyName("Layers")] public required List<string> Layers { get; init; }
}

/// <summary>An OCI layout's oci-layout file.</summary>
public sealed record OciLayoutFile
{
    /// <summary>"1.0.0".</summary>
    [JsonPropertyName("imageLayoutVersion")] public required string ImageLayoutVersion { get; init; }
}

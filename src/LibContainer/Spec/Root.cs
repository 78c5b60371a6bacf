using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Specifies the container's root filesystem."</summary>
public sealed record Root
{
    /// <summary>
    /// "REQUIRED. Specifies the path to the root filesystem for the container. Either an absolute path
    /// or a relative path to the bundle."
    /// </summary>
    [JsonPropertyName("path")]
    public required string Path { get; set; }

    /// <summary>
    /// "If true then the root filesystem MUST be read-only inside the container, defaults to false."
    /// Omitted from the JSON when <see langword="false"/>.
    /// </summary>
    [JsonPropertyName("readonly")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Readonly { get; set; }
}

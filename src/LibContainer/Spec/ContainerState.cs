using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>
/// The state of a container as defined by the OCI runtime specification ("State", runtime.md): what
/// the <c>state</c> operation returns and what hooks receive on standard input.
/// </summary>
/// <example>
/// <code>
/// var state = new ContainerState { OciVersion = "1.2.0", Id = "web", Status = "created", Pid = 4422, Bundle = "/bundles/web" };
/// string json = state.ToJson();
/// </code>
/// </example>
public sealed record ContainerState
{
    /// <summary>"REQUIRED. The version of the Open Container Initiative Runtime Specification with which the state complies."</summary>
    [JsonPropertyName("ociVersion")]
    public required string OciVersion { get; set; }

    /// <summary>"REQUIRED. The container's ID. This MUST be unique across all containers on this host."</summary>
    [JsonPropertyName("id")]
    public required string Id { get; set; }

    /// <summary>
    /// "REQUIRED. The runtime state of the container": <c>creating</c>, <c>created</c>, <c>running</c>
    /// or <c>stopped</c>.
    /// </summary>
    [JsonPropertyName("status")]
    public required string Status { get; set; }

    /// <summary>
    /// "The ID of the container process, as seen by the host." REQUIRED when the status is
    /// <c>created</c> or <c>running</c>; omitted from the JSON when <see langword="null"/> or 0.
    /// </summary>
    [JsonPropertyName("pid")]
    public int? Pid { get; set; }

    /// <summary>"REQUIRED. The absolute path to the container's bundle directory."</summary>
    [JsonPropertyName("bundle")]
    public required string Bundle { get; set; }

    /// <summary>"The list of annotations associated with the container", from the container's configuration.</summary>
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Serializes this state to indented JSON; a <see cref="Pid"/> of 0 is omitted.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => SpecWriter.ToJson(this);

    /// <summary>Parses a state JSON document; unknown properties are ignored.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The state.</returns>
    /// <exception cref="SpecValidationException">The JSON is malformed or a REQUIRED property is missing.</exception>
    public static ContainerState Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SpecReader.Read(json, file: null, SpecReader.ReadState);
    }
}

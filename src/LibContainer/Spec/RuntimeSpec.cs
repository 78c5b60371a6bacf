using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>
/// The container configuration of an OCI bundle (<c>config.json</c>), as defined by the
/// OCI runtime specification 1.2 ("Configuration"). Only the Linux platform sections are modelled.
/// </summary>
/// <remarks>
/// Unknown properties are ignored when reading, as the specification says; OPTIONAL properties that
/// are <see langword="null"/> are omitted when writing. Use <see cref="Load(string)"/>,
/// <see cref="Parse(string)"/> and <see cref="ToJson"/> to read and write the JSON form and
/// <see cref="SpecValidator"/> to check a spec before it is used.
/// </remarks>
/// <example>
/// <code>
/// RuntimeSpec spec = RuntimeSpec.Load("/run/bundles/web/config.json");
/// SpecValidator.ThrowIfInvalid(spec, "/run/bundles/web");
///
/// RuntimeSpec custom = RuntimeSpec.CreateDefault();
/// custom.Process!.Args = ["/bin/echo", "hello"];
/// File.WriteAllText("config.json", custom.ToJson());
/// </code>
/// </example>
public sealed partial record RuntimeSpec
{
    /// <summary>
    /// "REQUIRED. MUST be in SemVer v2.0.0 format and specifies the version of the Open Container
    /// Initiative Runtime Specification with which the bundle complies."
    /// </summary>
    [JsonPropertyName("ociVersion")]
    public required string OciVersion { get; set; }

    /// <summary>"Specifies the container's root filesystem." REQUIRED on Linux.</summary>
    [JsonPropertyName("root")]
    public Root? Root { get; set; }

    /// <summary>
    /// "Specifies additional mounts beyond root. The runtime MUST mount entries in the listed order."
    /// </summary>
    [JsonPropertyName("mounts")]
    public List<Mount>? Mounts { get; set; }

    /// <summary>"Specifies the container process." REQUIRED when start is called.</summary>
    [JsonPropertyName("process")]
    public Process? Process { get; set; }

    /// <summary>"Specifies the container's hostname as seen by processes running inside the container."</summary>
    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    /// <summary>"Specifies the container's domainname as seen by processes running inside the container."</summary>
    [JsonPropertyName("domainname")]
    public string? Domainname { get; set; }

    /// <summary>"Configures callbacks for container lifecycle events."</summary>
    [JsonPropertyName("hooks")]
    public Hooks? Hooks { get; set; }

    /// <summary>"Contains arbitrary metadata for the container."</summary>
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Platform-specific configuration for Linux based containers.</summary>
    [JsonPropertyName("linux")]
    public Linux? Linux { get; set; }
}

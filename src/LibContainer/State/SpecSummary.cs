using System.Text.Json.Serialization;
using LibContainer.Spec;

namespace LibContainer.State;

/// <summary>
/// What start, delete, state and ps need of a loaded container's config.json: the poststart and
/// poststop hooks, the namespaces and the annotations. Read through its own small JSON contract (a handful of types), so a
/// process that only starts or deletes a container does not build the JSON metadata of the whole
/// spec model (~40 types; 6-7 ms and ~1 MB in a fresh native AOT process); the whole spec is read
/// when something asks for <see cref="IContainer.Config"/>.
/// </summary>
internal sealed record SpecSummary
{
    [JsonPropertyName("hooks")]
    public SummaryHooks? Hooks { get; init; }

    [JsonPropertyName("linux")]
    public SummaryLinux? Linux { get; init; }

    /// <summary>The spec's annotations, which the OCI state repeats.</summary>
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; init; }

    /// <summary>A new pid namespace (not one joined by path): its init's death ends every process in it.</summary>
    [JsonIgnore]
    public bool OwnPidNamespace => Linux?.Namespaces?.Any(n => n.Type == "pid" && string.IsNullOrEmpty(n.Path)) == true;

    public static SpecSummary Empty { get; } = new();

    public static SpecSummary From(RuntimeSpec spec) => new()
    {
        Hooks = spec.Hooks is { } hooks ? new SummaryHooks { Poststart = hooks.Poststart, Poststop = hooks.Poststop } : null,
        Linux = spec.Linux is { } linux ? new SummaryLinux { Namespaces = linux.Namespaces } : null,
        Annotations = spec.Annotations,
    };

    /// <summary>Reads the summary of a config.json; malformed JSON fails as <see cref="RuntimeSpec.Load"/> would.</summary>
    public static SpecSummary Load(string path) =>
        SpecJson.Deserialize(File.ReadAllText(path), SummaryJsonContext.Default.SpecSummary, path);
}

internal sealed record SummaryHooks
{
    [JsonPropertyName("poststart")]
    public List<Hook>? Poststart { get; init; }

    [JsonPropertyName("poststop")]
    public List<Hook>? Poststop { get; init; }
}

internal sealed record SummaryLinux
{
    [JsonPropertyName("namespaces")]
    public List<LinuxNamespace>? Namespaces { get; init; }
}

[JsonSourceGenerationOptions(RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SpecSummary))]
internal sealed partial class SummaryJsonContext : JsonSerializerContext;

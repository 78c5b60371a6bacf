using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>
/// Source-generated JSON metadata for the spec model: no reflection, trimming and AOT safe. Use it only
/// through <see cref="RuntimeSpec"/> and <see cref="ContainerState"/>.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(ContainerState))]
internal sealed partial class SpecJsonContext : JsonSerializerContext;

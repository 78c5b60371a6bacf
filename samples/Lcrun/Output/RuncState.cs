using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lcrun.Output;

/// <summary>runc's container state, as <c>state</c> prints it and <c>list --format json</c> lists it.</summary>
internal sealed record RuncState
{
    [JsonPropertyName("ociVersion")]
    public required string OciVersion { get; init; }

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The init's host pid; 0 once the container has stopped (runc writes the 0).</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("bundle")]
    public required string Bundle { get; init; }

    [JsonPropertyName("rootfs")]
    public required string Rootfs { get; init; }

    /// <summary>RFC 3339 with nanoseconds, as Go's time.RFC3339Nano.</summary>
    [JsonPropertyName("created")]
    public required string Created { get; init; }

    [JsonPropertyName("owner")]
    public required string Owner { get; init; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; init; }

    /// <summary>Writes the object in runc's order; annotations only when there are some.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("ociVersion", OciVersion);
        writer.WriteString("id", Id);
        writer.WriteNumber("pid", Pid);
        writer.WriteString("status", Status);
        writer.WriteString("bundle", Bundle);
        writer.WriteString("rootfs", Rootfs);
        writer.WriteString("created", Created);
        writer.WriteString("owner", Owner);
        if (Annotations is not null)
        {
            writer.WriteStartObject("annotations");
            foreach ((string key, string value) in Annotations)
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}

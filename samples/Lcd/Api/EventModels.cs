using System.Text.Json.Serialization;

namespace Lcd.Api;

// GET /events' messages (v1.41, moby api/types/events.Message): the old top-level status/id/from
// (containers and images only) beside Type, Action and Actor; time in seconds and in nanoseconds.

/// <summary>Who an event is about: its id and attributes (a container's name, image and labels; exitCode, signal ...).</summary>
public sealed record EventActor(string ID, Dictionary<string, string> Attributes);

/// <summary>One event as /events streams it, one JSON object per line.</summary>
public sealed record EngineEvent
{
    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; init; }

    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }

    [JsonPropertyName("from")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? From { get; init; }

    public required string Type { get; init; }
    public required string Action { get; init; }
    public required EventActor Actor { get; init; }

    [JsonPropertyName("scope")]
    public string Scope { get; init; } = "local";

    [JsonPropertyName("time")]
    public long Time { get; init; }

    [JsonPropertyName("timeNano")]
    public long TimeNano { get; init; }
}

[JsonSerializable(typeof(EngineEvent))]
internal sealed partial class EventJsonContext : JsonSerializerContext;

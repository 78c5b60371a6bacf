using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's exec shapes (v1.41): POST /containers/{id}/exec, POST /exec/{id}/start, GET /exec/{id}/json.

/// <summary>POST /containers/{id}/exec's body (docker exec's -i, -t, -u, -e, -w, --privileged and the command).</summary>
public sealed record ExecCreateRequest
{
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public string? DetachKeys { get; set; }
    public bool Tty { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public bool Privileged { get; set; }
    public string? User { get; set; }
    public string? WorkingDir { get; set; }
}

public sealed record IdResponse(string Id);

/// <summary>POST /exec/{id}/start's body: detached (-d) or attached, with a terminal or not.</summary>
public sealed record ExecStartRequest
{
    public bool Detach { get; set; }
    public bool Tty { get; set; }
}

public sealed record ExecProcessConfig
{
    [JsonPropertyName("tty")]
    public bool Tty { get; init; }

    [JsonPropertyName("entrypoint")]
    public required string Entrypoint { get; init; }

    [JsonPropertyName("arguments")]
    public required List<string> Arguments { get; init; }

    [JsonPropertyName("privileged")]
    public bool Privileged { get; init; }

    [JsonPropertyName("user")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? User { get; init; }
}

/// <summary>GET /exec/{id}/json: ExitCode is null until the process has ended.</summary>
public sealed record ExecInspectResponse
{
    public bool CanRemove { get; init; }
    public required string DetachKeys { get; init; }
    public required string ID { get; init; }
    public bool Running { get; init; }
    public int? ExitCode { get; init; }
    public required ExecProcessConfig ProcessConfig { get; init; }
    public bool OpenStdin { get; init; }
    public bool OpenStderr { get; init; }
    public bool OpenStdout { get; init; }
    public required string ContainerID { get; init; }
    public int Pid { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ExecCreateRequest))]
[JsonSerializable(typeof(ExecStartRequest))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(ExecInspectResponse))]
internal sealed partial class ExecJsonContext : JsonSerializerContext;

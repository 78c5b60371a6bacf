using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's shapes for pull, push, load, history, prune, commit, diff and cp (v1.41).

/// <summary>One line of Docker's progress stream (moby's jsonmessage.JSONMessage): what the CLI draws its bars from.</summary>
public sealed record ProgressMessage
{
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Status { get; init; }
    [JsonPropertyName("progressDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ProgressDetail? ProgressDetail { get; init; }
    [JsonPropertyName("progress"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Progress { get; init; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Id { get; init; }
    [JsonPropertyName("stream"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Stream { get; init; }
    [JsonPropertyName("aux"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PushResult? Aux { get; init; }
    [JsonPropertyName("errorDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ErrorDetail? ErrorDetail { get; init; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
}

public sealed record ProgressDetail(
    [property: JsonPropertyName("current"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long Current,
    [property: JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long Total);

public sealed record ErrorDetail([property: JsonPropertyName("message")] string Message);

/// <summary>The aux line that ends a push.</summary>
public sealed record PushResult(string Tag, string Digest, long Size);

/// <summary>X-Registry-Auth: base64url JSON of the CLI's login for the registry.</summary>
public sealed record RegistryAuth
{
    [JsonPropertyName("username")] public string? Username { get; init; }
    [JsonPropertyName("password")] public string? Password { get; init; }
    [JsonPropertyName("auth")] public string? Auth { get; init; }
    [JsonPropertyName("serveraddress")] public string? ServerAddress { get; init; }
    [JsonPropertyName("identitytoken")] public string? IdentityToken { get; init; }
    [JsonPropertyName("registrytoken")] public string? RegistryToken { get; init; }
}

public sealed record ImageHistoryItem(string Id, long Created, string CreatedBy, List<string>? Tags, long Size, string Comment);

public sealed record ImagePruneResponse(List<ImageDeleteItem> ImagesDeleted, long SpaceReclaimed);

public sealed record CommitResponse(string Id);

/// <summary>One line of docker diff: Kind 0 changed, 1 added, 2 deleted.</summary>
public sealed record ContainerChangeItem(string Path, int Kind);

/// <summary>X-Docker-Container-Path-Stat: base64 JSON of docker cp's stat.</summary>
public sealed record ContainerPathStat(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mode")] uint Mode,
    [property: JsonPropertyName("mtime")] DateTimeOffset Mtime,
    [property: JsonPropertyName("linkTarget")] string LinkTarget);

[JsonSerializable(typeof(ProgressMessage))]
[JsonSerializable(typeof(RegistryAuth))]
[JsonSerializable(typeof(List<ImageHistoryItem>))]
[JsonSerializable(typeof(ImagePruneResponse))]
[JsonSerializable(typeof(CommitResponse))]
[JsonSerializable(typeof(List<ContainerChangeItem>))]
[JsonSerializable(typeof(ContainerPathStat))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(ContainerConfig))]
internal sealed partial class ImageTransferJsonContext : JsonSerializerContext;

using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LibContainer.State;

/// <summary>
/// What the library keeps on disk about a container (state.json in its state directory): enough for
/// any process to Load it, derive its status from live facts and destroy it. The spec lives beside
/// it in config.json, written once (and on update), so the frequent state writes stay small.
/// Read and written by hand (<see cref="Parse"/>, <see cref="ToUtf8Json"/>) rather than through a
/// <see cref="JsonSerializerContext"/>: every command reads this file, and the serializer's metadata
/// costs a fresh native AOT process ~1-2 ms (reflection per type, ~100 KB). The attributes name the
/// properties for readers of the code and for anyone who serializes the record themselves.
/// </summary>
internal sealed record StoredState
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>creating until the init reports ready; created after. Running and stopped are derived.</summary>
    [JsonPropertyName("phase")]
    public required string Phase { get; init; }

    /// <summary>The container's init, as seen from the host; 0 before it exists.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    /// <summary>/proc/pid/stat field 22 of the init, which tells its pid from a reused one.</summary>
    [JsonPropertyName("pidStartTime")]
    public ulong PidStartTime { get; init; }

    [JsonPropertyName("bundle")]
    public string? Bundle { get; init; }

    [JsonPropertyName("rootfs")]
    public required string Rootfs { get; init; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    /// <summary>The exit code of the init, once its parent reaped it.</summary>
    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; init; }

    /// <summary>The signal that killed the init, once its parent reaped it.</summary>
    [JsonPropertyName("exitSignal")]
    public int? ExitSignal { get; init; }

    /// <summary>The container's cgroup path, absolute within each hierarchy.</summary>
    [JsonPropertyName("cgroupPath")]
    public string? CgroupPath { get; init; }

    /// <summary>The container's cgroup directory in every hierarchy.</summary>
    [JsonPropertyName("cgroupDirectories")]
    public List<string>? CgroupDirectories { get; init; }

    /// <summary>The cgroup directories create made; destroy removes these and no others.</summary>
    [JsonPropertyName("cgroupsCreated")]
    public List<string>? CgroupsCreated { get; init; }

    public const string PhaseCreating = "creating";
    public const string PhaseCreated = "created";

    /// <summary>Reads state.json; unknown properties are skipped, so an older library reads a newer file.</summary>
    /// <exception cref="JsonException">Malformed JSON, a value of the wrong type, or id, phase or rootfs missing.</exception>
    public static StoredState Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        string? id = null, phase = null, bundle = null, rootfs = null, cgroupPath = null;
        int pid = 0;
        ulong pidStartTime = 0;
        DateTimeOffset created = default;
        int? exitCode = null, exitSignal = null;
        List<string>? cgroupDirectories = null, cgroupsCreated = null;
        while (Expect(ref reader, JsonTokenType.PropertyName, JsonTokenType.EndObject))
        {
            string name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "id": id = reader.GetString(); break;
                case "phase": phase = reader.GetString(); break;
                case "pid": pid = reader.GetInt32(); break;
                case "pidStartTime": pidStartTime = reader.GetUInt64(); break;
                case "bundle": bundle = reader.GetString(); break;
                case "rootfs": rootfs = reader.GetString(); break;
                case "created": created = reader.GetDateTimeOffset(); break;
                case "exitCode": exitCode = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32(); break;
                case "exitSignal": exitSignal = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32(); break;
                case "cgroupPath": cgroupPath = reader.GetString(); break;
                case "cgroupDirectories": cgroupDirectories = ReadStrings(ref reader); break;
                case "cgroupsCreated": cgroupsCreated = ReadStrings(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        return new StoredState
        {
            Id = id ?? throw Missing("id"),
            Phase = phase ?? throw Missing("phase"),
            Pid = pid,
            PidStartTime = pidStartTime,
            Bundle = bundle,
            Rootfs = rootfs ?? throw Missing("rootfs"),
            Created = created,
            ExitCode = exitCode,
            ExitSignal = exitSignal,
            CgroupPath = cgroupPath,
            CgroupDirectories = cgroupDirectories,
            CgroupsCreated = cgroupsCreated,
        };

        static JsonException Missing(string name) => new($"state.json has no '{name}'.");
    }

    /// <summary>The JSON of state.json: compact, null properties left out.</summary>
    public byte[] ToUtf8Json()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("phase", Phase);
            writer.WriteNumber("pid", Pid);
            writer.WriteNumber("pidStartTime", PidStartTime);
            WriteIfSet(writer, "bundle", Bundle);
            writer.WriteString("rootfs", Rootfs);
            writer.WriteString("created", Created);
            if (ExitCode is int code)
            {
                writer.WriteNumber("exitCode", code);
            }
            if (ExitSignal is int signal)
            {
                writer.WriteNumber("exitSignal", signal);
            }
            WriteIfSet(writer, "cgroupPath", CgroupPath);
            WriteStrings(writer, "cgroupDirectories", CgroupDirectories);
            WriteStrings(writer, "cgroupsCreated", CgroupsCreated);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static bool Expect(ref Utf8JsonReader reader, JsonTokenType expected, JsonTokenType end = JsonTokenType.None)
    {
        if (!reader.Read() || (reader.TokenType != expected && reader.TokenType != end))
        {
            throw new JsonException($"state.json: expected {expected} at byte {reader.TokenStartIndex}, got {reader.TokenType}.");
        }
        return reader.TokenType == expected;
    }

    private static List<string>? ReadStrings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"state.json: expected an array at byte {reader.TokenStartIndex}, got {reader.TokenType}.");
        }
        var list = new List<string>();
        while (Expect(ref reader, JsonTokenType.String, JsonTokenType.EndArray))
        {
            list.Add(reader.GetString()!);
        }
        return list;
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, List<string>? values)
    {
        if (values is null)
        {
            return;
        }
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
    }
}

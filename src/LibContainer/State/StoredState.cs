using System.Text.Json;
using System.Text.Json.Serialization;
using LibContainer.Spec;

namespace LibContainer.State;

/// <summary>
/// What the library keeps on disk about a container (state.json in its state directory): enough for
/// any process to Load it, derive its status from live facts and destroy it. The spec lives beside
/// it in config.json, written once (and on update), so the frequent state writes stay small.
/// Read and written by hand with the spec's <see cref="SpecReader"/> and <see cref="SpecWriter"/> helpers,
/// not through a <see cref="JsonSerializerContext"/>: every command reads this file, and the serializer's
/// metadata costs a fresh native AOT process ~1-2 ms (reflection per type). The attributes name the
/// properties for readers of the code and for anyone who serializes the record themselves.
/// </summary>
internal sealed record StoredState
{
    [JsonPropertyName("id")]
    public required string Id { get; set; }

    /// <summary>creating until the init reports ready; created after. Running and stopped are derived.</summary>
    [JsonPropertyName("phase")]
    public required string Phase { get; set; }

    /// <summary>The container's init, as seen from the host; 0 before it exists.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; set; }

    /// <summary>/proc/pid/stat field 22 of the init, which tells its pid from a reused one.</summary>
    [JsonPropertyName("pidStartTime")]
    public ulong PidStartTime { get; set; }

    [JsonPropertyName("bundle")]
    public string? Bundle { get; set; }

    [JsonPropertyName("rootfs")]
    public required string Rootfs { get; set; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; set; }

    /// <summary>The exit code of the init, once its parent reaped it.</summary>
    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; set; }

    /// <summary>The signal that killed the init, once its parent reaped it.</summary>
    [JsonPropertyName("exitSignal")]
    public int? ExitSignal { get; set; }

    /// <summary>The container's cgroup path, absolute within each hierarchy.</summary>
    [JsonPropertyName("cgroupPath")]
    public string? CgroupPath { get; set; }

    /// <summary>The container's cgroup directory in every hierarchy.</summary>
    [JsonPropertyName("cgroupDirectories")]
    public List<string>? CgroupDirectories { get; set; }

    /// <summary>The cgroup directories create made; destroy removes these and no others.</summary>
    [JsonPropertyName("cgroupsCreated")]
    public List<string>? CgroupsCreated { get; set; }

    public const string PhaseCreating = "creating";
    public const string PhaseCreated = "created";

    /// <summary>Reads state.json; unknown properties are skipped, so an older library reads a newer file.</summary>
    /// <exception cref="SpecValidationException">Malformed JSON, a value of the wrong type, or id, phase or rootfs missing.</exception>
    public static StoredState Parse(ReadOnlySpan<byte> json, string file) => SpecReader.Read(json, file, Read);

    private static StoredState? Read(ref SpecReader reader) =>
        reader.Object(new StoredState { Id = null!, Phase = null!, Rootfs = null! }, ["id", "phase", "rootfs"],
            static (ref SpecReader r, StoredState x, string name) =>
            {
                switch (name)
                {
                    case "id": x.Id = r.NotNull(r.String()); break;
                    case "phase": x.Phase = r.NotNull(r.String()); break;
                    case "pid": x.Pid = r.NotNull(r.Int32()); break;
                    case "pidStartTime": x.PidStartTime = r.NotNull(r.UInt64()); break;
                    case "bundle": x.Bundle = r.String(); break;
                    case "rootfs": x.Rootfs = r.NotNull(r.String()); break;
                    case "created": x.Created = r.NotNull(r.Time()); break;
                    case "exitCode": x.ExitCode = r.Int32(); break;
                    case "exitSignal": x.ExitSignal = r.Int32(); break;
                    case "cgroupPath": x.CgroupPath = r.String(); break;
                    case "cgroupDirectories": x.CgroupDirectories = r.List(SpecReader.StringItem)!; break;
                    case "cgroupsCreated": x.CgroupsCreated = r.List(SpecReader.StringItem)!; break;
                    default: return false;
                }
                return true;
            });

    /// <summary>The JSON of state.json: compact, null properties left out.</summary>
    public byte[] ToUtf8Json() => SpecWriter.ToUtf8(this, Write, default).WrittenSpan.ToArray();

    private static void Write(Utf8JsonWriter w, StoredState state)
    {
        w.WriteStartObject();
        w.WriteString("id", state.Id);
        w.WriteString("phase", state.Phase);
        w.WriteNumber("pid", state.Pid);
        w.WriteNumber("pidStartTime", state.PidStartTime);
        SpecWriter.String(w, "bundle", state.Bundle);
        w.WriteString("rootfs", state.Rootfs);
        w.WriteString("created", state.Created);
        SpecWriter.Number(w, "exitCode", state.ExitCode);
        SpecWriter.Number(w, "exitSignal", state.ExitSignal);
        SpecWriter.String(w, "cgroupPath", state.CgroupPath);
        SpecWriter.List(w, "cgroupDirectories", state.CgroupDirectories, SpecWriter.StringItem);
        SpecWriter.List(w, "cgroupsCreated", state.CgroupsCreated, SpecWriter.StringItem);
        w.WriteEndObject();
    }
}

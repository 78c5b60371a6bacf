using System.Buffers;
using System.Text;
using System.Text.Json;

namespace LibContainer.Spec;

/// <summary>
/// Writes the spec model with a <see cref="Utf8JsonWriter"/>, by hand, for the reason <see cref="SpecReader"/> reads it
/// by hand. The output is what System.Text.Json's serializer wrote with the records' attributes: properties in
/// declaration order, <see langword="null"/> properties omitted, the <c>WhenWritingDefault</c> flags only when true.
/// </summary>
internal static partial class SpecWriter
{
    public static string ToJson(RuntimeSpec spec) => ToText(spec, Write);

    public static string ToJson(ContainerState state) => ToText(state, Write);

    /// <summary>The JSON's UTF-8 bytes, for <see cref="SpecReader"/> to read back.</summary>
    public static byte[] ToUtf8(LinuxResources resources) => ToUtf8(resources, Write).WrittenSpan.ToArray();

    private static string ToText<T>(T value, Action<Utf8JsonWriter, T> write) => Encoding.UTF8.GetString(ToUtf8(value, write).WrittenSpan) + "\n";

    /// <summary>
    /// The spec as compact JSON with the writer's default escaping: the state directory's copy, which the library
    /// reads back. Not <see cref="ToJson(RuntimeSpec)"/>'s text: the relaxed encoder that keeps a person's config.json
    /// readable builds ~20 KB of tables on first use, a cost every create would pay.
    /// </summary>
    public static byte[] ToCompactUtf8(RuntimeSpec spec) => ToUtf8(spec, Write, default).WrittenSpan.ToArray();

    private static ArrayBufferWriter<byte> ToUtf8<T>(T value, Action<Utf8JsonWriter, T> write) => ToUtf8(value, write, SpecJson.WriterOptions);

    /// <summary>What <paramref name="write"/> writes of <paramref name="value"/>, with <paramref name="options"/>.</summary>
    internal static ArrayBufferWriter<byte> ToUtf8<T>(T value, Action<Utf8JsonWriter, T> write, JsonWriterOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            write(writer, value);
        }
        return buffer;
    }

    private static void Write(Utf8JsonWriter w, RuntimeSpec spec)
    {
        w.WriteStartObject();
        String(w, "ociVersion", spec.OciVersion);
        Object(w, "root", spec.Root, Write);
        List(w, "mounts", spec.Mounts, Write);
        Object(w, "process", spec.Process, Write);
        String(w, "hostname", spec.Hostname);
        String(w, "domainname", spec.Domainname);
        Object(w, "hooks", spec.Hooks, Write);
        Map(w, "annotations", spec.Annotations, StringItem);
        Object(w, "linux", spec.Linux, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, ContainerState state)
    {
        w.WriteStartObject();
        String(w, "ociVersion", state.OciVersion);
        String(w, "id", state.Id);
        String(w, "status", state.Status);
        Number(w, "pid", state.Pid is 0 ? null : state.Pid);
        String(w, "bundle", state.Bundle);
        Map(w, "annotations", state.Annotations, StringItem);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Root root)
    {
        w.WriteStartObject();
        String(w, "path", root.Path);
        Flag(w, "readonly", root.Readonly);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Mount mount)
    {
        w.WriteStartObject();
        String(w, "destination", mount.Destination);
        String(w, "type", mount.Type);
        String(w, "source", mount.Source);
        List(w, "options", mount.Options, StringItem);
        List(w, "uidMappings", mount.UidMappings, Write);
        List(w, "gidMappings", mount.GidMappings, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Process process)
    {
        w.WriteStartObject();
        Flag(w, "terminal", process.Terminal);
        Object(w, "consoleSize", process.ConsoleSize, Write);
        Object(w, "user", process.User, Write);
        List(w, "args", process.Args, StringItem);
        List(w, "env", process.Env, StringItem);
        String(w, "cwd", process.Cwd);
        Object(w, "capabilities", process.Capabilities, Write);
        List(w, "rlimits", process.Rlimits, Write);
        Flag(w, "noNewPrivileges", process.NoNewPrivileges);
        String(w, "apparmorProfile", process.ApparmorProfile);
        Number(w, "oomScoreAdj", process.OomScoreAdj);
        Object(w, "scheduler", process.Scheduler, Write);
        String(w, "selinuxLabel", process.SelinuxLabel);
        Object(w, "ioPriority", process.IOPriority, Write);
        Object(w, "execCPUAffinity", process.ExecCpuAffinity, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Box box)
    {
        w.WriteStartObject();
        w.WriteNumber("height", box.Height);
        w.WriteNumber("width", box.Width);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, User user)
    {
        w.WriteStartObject();
        w.WriteNumber("uid", user.Uid);
        w.WriteNumber("gid", user.Gid);
        Number(w, "umask", user.Umask);
        List(w, "additionalGids", user.AdditionalGids, static (w, gid) => w.WriteNumberValue(gid));
        String(w, "username", user.Username);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxCapabilities capabilities)
    {
        w.WriteStartObject();
        List(w, "bounding", capabilities.Bounding, StringItem);
        List(w, "effective", capabilities.Effective, StringItem);
        List(w, "inheritable", capabilities.Inheritable, StringItem);
        List(w, "permitted", capabilities.Permitted, StringItem);
        List(w, "ambient", capabilities.Ambient, StringItem);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, PosixRlimit rlimit)
    {
        w.WriteStartObject();
        String(w, "type", rlimit.Type);
        w.WriteNumber("soft", rlimit.Soft);
        w.WriteNumber("hard", rlimit.Hard);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Scheduler scheduler)
    {
        w.WriteStartObject();
        String(w, "policy", scheduler.Policy);
        Number(w, "nice", scheduler.Nice);
        Number(w, "priority", scheduler.Priority);
        List(w, "flags", scheduler.Flags, StringItem);
        Number(w, "runtime", scheduler.Runtime);
        Number(w, "deadline", scheduler.Deadline);
        Number(w, "period", scheduler.Period);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, LinuxIOPriority priority)
    {
        w.WriteStartObject();
        String(w, "class", priority.Class);
        w.WriteNumber("priority", priority.Priority);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, ExecCpuAffinity affinity)
    {
        w.WriteStartObject();
        String(w, "initial", affinity.Initial);
        String(w, "final", affinity.Final);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Hooks hooks)
    {
        w.WriteStartObject();
        List(w, "prestart", hooks.Prestart, Write);
        List(w, "createRuntime", hooks.CreateRuntime, Write);
        List(w, "createContainer", hooks.CreateContainer, Write);
        List(w, "startContainer", hooks.StartContainer, Write);
        List(w, "poststart", hooks.Poststart, Write);
        List(w, "poststop", hooks.Poststop, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Hook hook)
    {
        w.WriteStartObject();
        String(w, "path", hook.Path);
        List(w, "args", hook.Args, StringItem);
        List(w, "env", hook.Env, StringItem);
        Number(w, "timeout", hook.Timeout);
        w.WriteEndObject();
    }

    internal static void String(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    internal static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long number)
        {
            w.WriteNumber(name, number);
        }
    }

    internal static void Number(Utf8JsonWriter w, string name, ulong? value)
    {
        if (value is ulong number)
        {
            w.WriteNumber(name, number);
        }
    }

    private static void Bool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is bool flag)
        {
            w.WriteBoolean(name, flag);
        }
    }

    /// <summary>A <c>WhenWritingDefault</c> flag: written only when true.</summary>
    private static void Flag(Utf8JsonWriter w, string name, bool value)
    {
        if (value)
        {
            w.WriteBoolean(name, true);
        }
    }

    private static void Object<T>(Utf8JsonWriter w, string name, T? value, Action<Utf8JsonWriter, T> write)
        where T : class
    {
        if (value is not null)
        {
            w.WritePropertyName(name);
            write(w, value);
        }
    }

    internal static void List<T>(Utf8JsonWriter w, string name, List<T>? list, Action<Utf8JsonWriter, T> write)
    {
        if (list is null)
        {
            return;
        }
        w.WriteStartArray(name);
        foreach (T item in list)
        {
            Item(w, item, write);
        }
        w.WriteEndArray();
    }

    private static void Map<T>(Utf8JsonWriter w, string name, Dictionary<string, T>? map, Action<Utf8JsonWriter, T> write)
    {
        if (map is null)
        {
            return;
        }
        w.WriteStartObject(name);
        foreach ((string key, T value) in map)
        {
            w.WritePropertyName(key);
            Item(w, value, write);
        }
        w.WriteEndObject();
    }

    /// <summary>An element or map value; <see langword="null"/> (the model allows it at run time) is written as null, as the serializer did.</summary>
    private static void Item<T>(Utf8JsonWriter w, T value, Action<Utf8JsonWriter, T> write)
    {
        if (value is null)
        {
            w.WriteNullValue();
        }
        else
        {
            write(w, value);
        }
    }

    internal static void StringItem(Utf8JsonWriter w, string value) => w.WriteStringValue(value);
}

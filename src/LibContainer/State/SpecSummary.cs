using LibContainer.Spec;

namespace LibContainer.State;

/// <summary>
/// What start, delete, state and ps need of a loaded container's config.json: the poststart and
/// poststop hooks, the namespaces and the annotations. Reading it skips the rest of the document
/// unparsed; the whole spec is read when something asks for <see cref="IContainer.Config"/>.
/// </summary>
internal sealed record SpecSummary
{
    public SummaryHooks? Hooks { get; private set; }

    public SummaryLinux? Linux { get; private set; }

    /// <summary>The spec's annotations, which the OCI state repeats.</summary>
    public Dictionary<string, string>? Annotations { get; private set; }

    /// <summary>A new pid namespace (not one joined by path): its init's death ends every process in it.</summary>
    public bool OwnPidNamespace => Linux?.Namespaces?.Any(n => n.Type == "pid" && string.IsNullOrEmpty(n.Path)) == true;

    public static SpecSummary Empty { get; } = new();

    public static SpecSummary From(RuntimeSpec spec) => new()
    {
        Hooks = spec.Hooks is { } hooks ? new SummaryHooks { Poststart = hooks.Poststart, Poststop = hooks.Poststop } : null,
        Linux = spec.Linux is { } linux ? new SummaryLinux { Namespaces = linux.Namespaces } : null,
        Annotations = spec.Annotations,
    };

    /// <summary>Reads the summary of a config.json; malformed JSON fails as <see cref="RuntimeSpec.Load"/> would.</summary>
    public static SpecSummary Load(string path) => SpecReader.Read(RuntimeSpec.ReadFile(path), path, Read);

    /// <summary>The spec's readers for what is kept (same errors as a whole read); everything else skipped.</summary>
    private static SpecSummary? Read(ref SpecReader reader) =>
        reader.Object(new SpecSummary(), [], static (ref SpecReader r, SpecSummary x, string name) =>
        {
            switch (name)
            {
                case "hooks": x.Hooks = r.Object(new SummaryHooks(), [], SummaryHooks.ReadProperty); break;
                case "linux": x.Linux = r.Object(new SummaryLinux(), [], SummaryLinux.ReadProperty); break;
                case "annotations": x.Annotations = r.Map(SpecReader.StringItem); break;
                default: return false;
            }
            return true;
        });
}

internal sealed record SummaryHooks
{
    public List<Hook>? Poststart { get; set; }

    public List<Hook>? Poststop { get; set; }

    public static bool ReadProperty(ref SpecReader reader, SummaryHooks hooks, string name)
    {
        switch (name)
        {
            case "poststart": hooks.Poststart = reader.List(SpecReader.ReadHook); break;
            case "poststop": hooks.Poststop = reader.List(SpecReader.ReadHook); break;
            default: return false;
        }
        return true;
    }
}

internal sealed record SummaryLinux
{
    public List<LinuxNamespace>? Namespaces { get; set; }

    public static bool ReadProperty(ref SpecReader reader, SummaryLinux linux, string name)
    {
        if (name != "namespaces")
        {
            return false;
        }
        linux.Namespaces = reader.List(SpecReader.ReadNamespace);
        return true;
    }
}

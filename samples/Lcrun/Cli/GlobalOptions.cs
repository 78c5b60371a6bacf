namespace Lcrun.Cli;

/// <summary>The flags before the command, as runc's global options.</summary>
internal sealed record GlobalOptions
{
    public const string DefaultRoot = "/run/lcrun";

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Bool("debug", "enable debug logging"),
        Flag.Value("log", "set the log file to write lcrun logs to (default is '/dev/stderr')"),
        Flag.Value("log-format", "set the log format ('text' (default), or 'json')"),
        Flag.Value("root", $"root directory for storage of container state (this should be located in tmpfs) (default: \"{DefaultRoot}\")"),
        Flag.Value("criu", "path to the criu binary used for checkpoint and restore (default: \"criu\" on PATH)"),
        Flag.Bool("systemd-cgroup", "enable systemd cgroup support (not supported: lcrun manages cgroupfs itself)"),
        Flag.Value("rootless", "ignore cgroup permission errors ('true', 'false', or 'auto') (accepted)"),
        Flag.Bool("help", "show help", "h"),
        Flag.Bool("version", "print the version", "v"),
    ];

    public string Root { get; init; } = DefaultRoot;

    public string? Log { get; init; }

    public string LogFormat { get; init; } = "text";

    public bool Debug { get; init; }

    public bool SystemdCgroup { get; init; }

    /// <summary>The criu binary (--criu); null: criu from PATH.</summary>
    public string? Criu { get; init; }

    public static GlobalOptions From(ParsedArgs args) => new()
    {
        Root = Path.GetFullPath(args.Get("root") ?? DefaultRoot),
        Log = args.Get("log"),
        LogFormat = args.Get("log-format") ?? "text",
        Debug = args.GetBool("debug"),
        SystemdCgroup = args.GetBool("systemd-cgroup"),
        Criu = args.Get("criu") is { Length: > 0 } criu ? criu : null,
    };
}

using System.Globalization;

namespace Lcd;

/// <summary>
/// dockerd's command line, for the flags lcd has: -H/--host, --data-root, --exec-root, -p/--pidfile,
/// --config-file, -l/--log-level, -G/--group, --live-restore, --log-driver, --log-opt. A setting given both as a flag and in
/// the configuration file is refused, as dockerd refuses it.
/// </summary>
internal static class DaemonArgs
{
    public sealed record Parsed(DaemonOptions Options, bool Help, bool Version);

    public const string Usage = """
        Usage:	lcd [OPTIONS]

        A daemon in the shape of dockerd: Docker's Engine API on a unix socket, containers made by LibContainer.

        Options:
              --bip string           The default bridge network's subnet, as CIDR (default: the next free /24 of 10.89.0.0/16)
              --bridge-prefix string Linux bridges are named PREFIX0 and PREFIX-ID (default "lcd")
              --config-file string   Daemon configuration file (default "/etc/lcd/daemon.json")
              --data-root string     Root directory of persistent state (default "/var/lib/lcd")
              --exec-root string     Root directory of run-time state (default "/run/lcd")
          -G, --group string         Group for the unix socket (default "docker" when it exists, else root only)
          -h, --help                 Print usage
          -H, --host list            Daemon socket(s) to listen on: unix:///path (default unix:///run/lcd.sock)
              --live-restore         Keep containers running while the daemon is down (default true)
              --load-busybox         Put busybox:latest, built offline from /bin/busybox (Debian's busybox-static), into the store when it is missing
              --log-driver string    Default driver for container logs (default "json-file", the only one)
              --log-opt map          Default log driver options for containers: max-size=10m, max-file=3
          -l, --log-level string     Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
          -p, --pidfile string       Path to use for the daemon PID file (default "/run/lcd.pid")
          -v, --version              Print version information and quit
        """;

    private static readonly Dictionary<string, string> s_names = new(StringComparer.Ordinal)
    {
        ["-H"] = "hosts", ["--host"] = "hosts",
        ["--data-root"] = "data-root", ["--graph"] = "data-root", ["-g"] = "data-root",
        ["--exec-root"] = "exec-root",
        ["-p"] = "pidfile", ["--pidfile"] = "pidfile",
        ["--config-file"] = "config-file",
        ["-l"] = "log-level", ["--log-level"] = "log-level",
        ["-G"] = "group", ["--group"] = "group",
        ["--live-restore"] = "live-restore",
        ["--log-driver"] = "log-driver",
        ["--log-opt"] = "log-opts",
        ["--bip"] = "bip",
        ["--bridge-prefix"] = "bridge-prefix",
        ["--load-busybox"] = "load-busybox",
        ["-h"] = "help", ["--help"] = "help",
        ["-v"] = "version", ["--version"] = "version",
    };

    private static readonly HashSet<string> s_booleans = ["live-restore", "load-busybox", "help", "version"];

    public static Parsed Parse(IReadOnlyList<string> args)
    {
        var flags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? value = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                value = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            if (!s_names.TryGetValue(arg, out string? name))
            {
                throw new DaemonConfigException($"unknown flag: {args[i]}\nSee 'lcd --help'.");
            }
            if (s_booleans.Contains(name))
            {
                value ??= "true";
                if (!bool.TryParse(value, out _))
                {
                    throw new DaemonConfigException($"invalid argument \"{value}\" for \"{arg}\" flag: want true or false");
                }
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new DaemonConfigException($"flag needs an argument: {arg}\nSee 'lcd --help'.");
                }
                value = args[++i];
            }
            if (!flags.TryGetValue(name, out List<string>? values))
            {
                flags[name] = values = [];
            }
            values.Add(value);
        }

        bool Flag(string name) => flags.TryGetValue(name, out List<string>? v) && bool.Parse(v[^1]);
        string? Single(string name) => flags.TryGetValue(name, out List<string>? v) ? v[^1] : null;

        if (Flag("help") || Flag("version"))
        {
            return new Parsed(new DaemonOptions(), Flag("help"), Flag("version"));
        }

        string? configPath = Single("config-file");
        DaemonConfigFile? file = DaemonConfigFile.Read(configPath ?? DaemonOptions.DefaultConfigFile, required: configPath is not null);
        if (file is not null)
        {
            var both = new List<string>();
            void Both(string name, object? fromFile)
            {
                if (fromFile is not null && flags.TryGetValue(name, out List<string>? fromFlag))
                {
                    string shown = fromFile is List<string> list ? $"[{string.Join(' ', list)}]" : Convert.ToString(fromFile, CultureInfo.InvariantCulture)!;
                    both.Add($"{name}: (from flag: {(name == "hosts" ? $"[{string.Join(' ', fromFlag)}]" : fromFlag[^1])}, from file: {shown})");
                }
            }
            Both("hosts", file.Hosts);
            Both("data-root", file.DataRoot);
            Both("exec-root", file.ExecRoot);
            Both("pidfile", file.Pidfile);
            Both("log-level", file.LogLevel);
            Both("group", file.Group);
            Both("live-restore", file.LiveRestore);
            Both("log-driver", file.LogDriver);
            Both("log-opts", file.LogOpts);
            Both("bip", file.Bip);
            Both("bridge-prefix", file.BridgePrefix);
            if (both.Count > 0)
            {
                throw new DaemonConfigException($"unable to configure the daemon with file {configPath ?? DaemonOptions.DefaultConfigFile}: the following directives are specified both as a flag and in the configuration file: {string.Join(", ", both)}");
            }
        }

        var options = new DaemonOptions
        {
            Hosts = flags.TryGetValue("hosts", out List<string>? hosts) ? hosts : file?.Hosts ?? [],
            DataRoot = Single("data-root") ?? file?.DataRoot ?? new DaemonOptions().DataRoot,
            ExecRoot = Single("exec-root") ?? file?.ExecRoot ?? new DaemonOptions().ExecRoot,
            Pidfile = Single("pidfile") ?? file?.Pidfile ?? new DaemonOptions().Pidfile,
            LogLevel = Single("log-level") ?? file?.LogLevel ?? new DaemonOptions().LogLevel,
            Group = Single("group") ?? file?.Group,
            LiveRestore = flags.ContainsKey("live-restore") ? Flag("live-restore") : file?.LiveRestore ?? true,
            LoadBusybox = Flag("load-busybox"),
            LogDriver = Single("log-driver") ?? file?.LogDriver ?? new DaemonOptions().LogDriver,
            LogOpts = flags.TryGetValue("log-opts", out List<string>? logOpts) ? ParseLogOpts(logOpts) : file?.LogOpts ?? new(StringComparer.Ordinal),
            Bip = Single("bip") ?? file?.Bip,
            BridgePrefix = Single("bridge-prefix") ?? file?.BridgePrefix ?? new DaemonOptions().BridgePrefix,
        };
        Validate(options);
        return new Parsed(options, Help: false, Version: false);
    }

    /// <summary>--log-opt KEY=VALUE, repeated.</summary>
    private static Dictionary<string, string> ParseLogOpts(List<string> values)
    {
        var opts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in values)
        {
            int eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new DaemonConfigException($"invalid argument \"{value}\" for \"--log-opt\" flag: should be KEY=VALUE");
            }
            opts[value[..eq]] = value[(eq + 1)..];
        }
        return opts;
    }

    private static void Validate(DaemonOptions options)
    {
        try
        {
            _ = Containers.LogOptions.Parse(options.LogDriver, options.LogOpts);
        }
        catch (ArgumentException ex)
        {
            throw new DaemonConfigException($"unable to configure the daemon: {ex.Message}");
        }
        _ = ToLogLevel(options.LogLevel);
        _ = options.SocketPaths();
        if (options.BridgePrefix.Length is 0 or > 9 || !options.BridgePrefix.All(char.IsAsciiLetterOrDigit))
        {
            throw new DaemonConfigException($"bridge-prefix '{options.BridgePrefix}': must be 1-9 letters or digits (bridge names have at most 15 characters)");
        }
        if (options.Bip is not null)
        {
            _ = Containers.Networking.DefaultSubnet(options.Bip);
        }
        foreach ((string name, string path) in new[] { ("data-root", options.DataRoot), ("exec-root", options.ExecRoot), ("pidfile", options.Pidfile) })
        {
            if (!Path.IsPathRooted(path))
            {
                throw new DaemonConfigException($"{name} '{path}': must be an absolute path");
            }
        }
    }

    public static Microsoft.Extensions.Logging.LogLevel ToLogLevel(string level) => level switch
    {
        "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "info" => Microsoft.Extensions.Logging.LogLevel.Information,
        "warn" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "error" => Microsoft.Extensions.Logging.LogLevel.Error,
        "fatal" => Microsoft.Extensions.Logging.LogLevel.Critical,
        _ => throw new DaemonConfigException($"unable to configure the daemon: log level '{level}': must be one of debug, info, warn, error, fatal"),
    };
}

namespace Lcd;

/// <summary>
/// The daemon's settings, with dockerd's names: bound from the configuration file (daemon.json's
/// keys) and from the command line (dockerd's flags), see <see cref="DaemonArgs"/>.
/// </summary>
public sealed class DaemonOptions
{
    /// <summary>Where the API listens when neither a flag nor the file says: docker.sock's twin.</summary>
    public const string DefaultHost = "unix:///run/lcd.sock";

    /// <summary>The configuration file read when --config-file is not given (it may be absent).</summary>
    public const string DefaultConfigFile = "/etc/lcd/daemon.json";

    /// <summary>-H/--host, "hosts": the sockets to listen on (unix://PATH only).</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>--data-root, "data-root": persistent state (containers, images, volumes, networks).</summary>
    public string DataRoot { get; set; } = "/var/lib/lcd";

    /// <summary>--exec-root, "exec-root": run-time state (the library's container state, sockets).</summary>
    public string ExecRoot { get; set; } = "/run/lcd";

    /// <summary>-p/--pidfile, "pidfile": holds the daemon's pid while it runs; a second daemon on the same file is refused.</summary>
    public string Pidfile { get; set; } = "/run/lcd.pid";

    /// <summary>-l/--log-level, "log-level": debug, info, warn, error or fatal.</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary>-G/--group, "group": the group that may use the socket (0660); "docker" when that group exists.</summary>
    public string? Group { get; set; }

    /// <summary>--live-restore, "live-restore": containers keep running while the daemon is down.</summary>
    public bool LiveRestore { get; set; } = true;

    /// <summary>--log-driver, "log-driver": the containers' log driver when they name none (json-file, the only one).</summary>
    public string LogDriver { get; set; } = Containers.LogOptions.JsonFile;

    /// <summary>--log-opt, "log-opts": its options when a container names no driver (max-size, max-file).</summary>
    public Dictionary<string, string> LogOpts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>--load-busybox (lcd's own): the offline image for a quick start with no registry, built once when missing.</summary>
    public bool LoadBusybox { get; set; }

    /// <summary>--bip, "bip": the default bridge network's subnet (dockerd's bridge IP: its first address is the gateway); the next free /24 of 10.89.0.0/16 when null.</summary>
    public string? Bip { get; set; }

    /// <summary>--bridge-prefix (lcd's own): Linux bridges are named PREFIX0 (the default network) and PREFIX-ID, so two daemons side by side keep apart.</summary>
    public string BridgePrefix { get; set; } = "lcd";

    /// <summary>The unix socket paths of <see cref="Hosts"/> (or the default).</summary>
    public IReadOnlyList<string> SocketPaths()
    {
        IEnumerable<string> hosts = Hosts.Count > 0 ? Hosts : [DefaultHost];
        return hosts.Select(SocketPath).ToList();
    }

    internal static string SocketPath(string host)
    {
        const string Scheme = "unix://";
        if (!host.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw new DaemonConfigException($"host '{host}': only unix:///path sockets are served (a TCP listener would need TLS client certificates, which lcd does not implement)");
        }
        string path = host[Scheme.Length..];
        if (!Path.IsPathRooted(path))
        {
            throw new DaemonConfigException($"host '{host}': the socket path must be absolute");
        }
        return path;
    }
}

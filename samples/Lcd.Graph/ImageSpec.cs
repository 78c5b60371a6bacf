using Lcd.Graph.Interop;
using Lcd.Graph.Oci;
using LibContainer.Spec;

namespace Lcd.Graph;

/// <summary>What an image means for a container: the runtime spec, and what a spec cannot say.</summary>
/// <param name="Spec">The OCI runtime spec (root.path is the rootfs given).</param>
/// <param name="ExposedPorts">The image's ExposedPorts ("80/tcp").</param>
/// <param name="Volumes">The image's Volumes (container paths that Docker backs with anonymous volumes).</param>
/// <param name="StopSignal">The signal that stops the container (SIGTERM unless the image says).</param>
public sealed record ImageRunSpec(RuntimeSpec Spec, IReadOnlyList<string> ExposedPorts, IReadOnlyList<string> Volumes, int StopSignal);

/// <summary>
/// <c>docker run IMAGE</c> without the daemon: an image config (and run options) becomes a runtime spec.
/// Starts from <see cref="RuntimeSpec.CreateDefault"/> (runc spec's defaults) with the terminal off unless asked.
/// </summary>
/// <example>
/// <code>
/// using var images = new ImageStore(new GraphOptions { Root = "/var/lib/myhost/graph" });
/// ImageRecord image = images.Find("busybox") ?? await BusyboxImage.BuildAsync(images);
/// var rootfs = new RootfsDriver(images);
/// rootfs.Create("web", image);
/// string root = rootfs.Mount("web");
/// ImageRunSpec run = ImageSpec.Create(images.GetConfig(image), root, new RunOptions { Cmd = ["echo", "hello"] });
/// IContainer c = await new ContainerFactory(new ContainerFactoryOptions { StateRoot = "/run/myhost" }).RunAsync("web", run.Spec, new ContainerOptions());
/// await c.InitProcess.WaitForExitAsync();
/// await c.DestroyAsync();
/// rootfs.Remove("web");
/// </code>
/// </example>
public static class ImageSpec
{
    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Builds the spec for a container of the image whose root filesystem is at <paramref name="rootfs"/>.</summary>
    public static ImageRunSpec Create(ImageConfig image, string rootfs, RunOptions? run = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(rootfs);
        run ??= new RunOptions();
        ContainerConfig config = image.Config ?? new ContainerConfig();
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root = new Root { Path = rootfs, Readonly = false };
        if (run.Hostname is not null)
        {
            spec.Hostname = run.Hostname;
        }

        IReadOnlyList<string> entrypoint = run.Entrypoint ?? config.Entrypoint ?? [];
        IReadOnlyList<string> cmd = run.Cmd ?? (run.Entrypoint is not null ? [] : config.Cmd ?? []);
        List<string> args = [.. entrypoint, .. cmd];
        if (args.Count == 0)
        {
            throw new GraphException("No command specified: the image has no Entrypoint or Cmd and none was given");
        }

        var env = new List<string>();
        void Set(string entry)
        {
            string name = entry.Split('=', 2)[0];
            env.RemoveAll(e => e.Split('=', 2)[0] == name);
            env.Add(entry);
        }
        foreach (string e in config.Env ?? [])
        {
            Set(e);
        }
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            env.Insert(0, DefaultPath);
        }
        if (run.Tty)
        {
            Set("TERM=xterm");
        }
        foreach (string e in run.Env ?? [])
        {
            Set(e);
        }

        LibContainer.Spec.Process process = spec.Process!;
        process.Terminal = run.Tty;
        process.Args = args;
        process.Env = env;
        process.Cwd = NonEmpty(run.WorkingDir) ?? NonEmpty(config.WorkingDir) ?? "/";
        if (!process.Cwd.StartsWith('/'))
        {
            throw new GraphException($"WorkingDir '{process.Cwd}' is not an absolute path");
        }
        process.User = ResolveUser(rootfs, NonEmpty(run.User) ?? NonEmpty(config.User));

        string stopSignal = config.StopSignal ?? "SIGTERM";
        int signal = ParseSignal(stopSignal);
        spec.Annotations ??= [];
        foreach ((string key, string value) in config.Labels ?? [])
        {
            spec.Annotations[key] = value;
        }
        spec.Annotations["org.opencontainers.image.stopSignal"] = stopSignal;
        return new ImageRunSpec(spec, [.. (config.ExposedPorts ?? []).Keys.Order(StringComparer.Ordinal)], [.. (config.Volumes ?? []).Keys.Order(StringComparer.Ordinal)], signal);
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>
    /// "user", "uid", "user:group", "uid:gid": names through the image's /etc/passwd and /etc/group
    /// (read inside the rootfs, symlinks resolved in it), supplementary groups from /etc/group, as Docker.
    /// </summary>
    public static User ResolveUser(string rootfs, string? user)
    {
        ArgumentNullException.ThrowIfNull(rootfs);
        string spec = user ?? "0";
        string[] parts = spec.Split(':', 2);
        string userPart = parts[0].Length == 0 ? "0" : parts[0];
        string? groupPart = parts.Length > 1 ? parts[1] : null;
        List<string[]> passwd = ReadDatabase(rootfs, "etc/passwd");
        List<string[]> groups = ReadDatabase(rootfs, "etc/group");

        uint uid;
        uint gid = 0;
        string? username = null;
        string[]? entry = passwd.FirstOrDefault(p => p.Length >= 4 && p[0] == userPart)
            ?? (uint.TryParse(userPart, out uint byId) ? passwd.FirstOrDefault(p => p.Length >= 4 && p[2] == userPart) : null);
        if (entry is not null)
        {
            uid = uint.Parse(entry[2], System.Globalization.CultureInfo.InvariantCulture);
            gid = uint.TryParse(entry[3], out uint g) ? g : 0;
            username = entry[0];
        }
        else if (!uint.TryParse(userPart, out uid))
        {
            throw new GraphException($"unable to find user {userPart}: no matching entries in passwd file");
        }
        if (groupPart is not null)
        {
            string[]? group = groups.FirstOrDefault(gr => gr.Length >= 3 && gr[0] == groupPart);
            if (group is not null)
            {
                gid = uint.Parse(group[2], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (!uint.TryParse(groupPart, out gid))
            {
                throw new GraphException($"unable to find group {groupPart}: no matching entries in group file");
            }
        }
        var additional = username is null ? new List<uint>()
            : groups.Where(gr => gr.Length >= 4 && gr[3].Split(',').Contains(username) && uint.TryParse(gr[2], out _))
                .Select(gr => uint.Parse(gr[2], System.Globalization.CultureInfo.InvariantCulture)).Where(g => g != gid).Distinct().ToList();
        return new User { Uid = uid, Gid = gid, AdditionalGids = additional.Count > 0 ? additional : null, Username = username };
    }

    /// <summary>Lines of a colon-separated database in the rootfs, read with openat2 RESOLVE_IN_ROOT (a symlink cannot reach the host's).</summary>
    private static List<string[]> ReadDatabase(string rootfs, string relative)
    {
        using SafeFd root = Native.Open(rootfs, Native.O_PATH | Native.O_DIRECTORY);
        SafeFd file;
        try
        {
            file = Native.OpenBeneath(root, relative, Native.O_RDONLY, Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS);
        }
        catch (GraphIOException e) when (e.Errno is Native.ENOENT or Native.ENOTDIR)
        {
            return [];
        }
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(file.DangerousGetHandle(), ownsHandle: false), FileAccess.Read);
        using var reader = new StreamReader(stream);
        var lines = new List<string[]>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                lines.Add(line.Split(':'));
            }
        }
        file.Dispose();
        return lines;
    }

    /// <summary>"SIGTERM", "TERM", "15", "SIGRTMIN+3" to a number.</summary>
    public static int ParseSignal(string signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (int.TryParse(signal, out int number) && number is > 0 and < 65)
        {
            return number;
        }
        string name = signal.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? signal[3..] : signal;
        name = name.ToUpperInvariant();
        if (name.StartsWith("RTMIN+", StringComparison.Ordinal) && int.TryParse(name[6..], out int rt) && rt is >= 0 and <= 30)
        {
            return 34 + rt;
        }
        string[] names = ["", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"];
        int index = Array.IndexOf(names, name);
        return index > 0 ? index : throw new GraphException($"StopSignal '{signal}' is not a signal name or number");
    }
}

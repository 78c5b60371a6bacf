using System.Reflection;
using System.Runtime.InteropServices;

namespace Lcd.Api;

/// <summary>Facts about the daemon and its host that /version and /info report, read once.</summary>
internal static class DaemonInfo
{
    public static string Version { get; } =
        typeof(DaemonInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string LibraryVersion { get; } =
        typeof(LibContainer.IFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string KernelVersion { get; } = ReadTrimmed("/proc/sys/kernel/osrelease") ?? "unknown";

    public static string Arch { get; } = RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>uname -m's spelling, which /info reports.</summary>
    public static string Machine { get; } = RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture other => other.ToString().ToLowerInvariant(),
    };

    public static (string Pretty, string Version) OperatingSystem { get; } = ReadOsRelease();

    public static long MemTotal { get; } = ReadMemTotal();

    private static string? ReadTrimmed(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    private static (string, string) ReadOsRelease()
    {
        string pretty = "Linux", version = "";
        if (File.Exists("/etc/os-release"))
        {
            foreach (string line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    pretty = line["PRETTY_NAME=".Length..].Trim('"');
                }
                else if (line.StartsWith("VERSION_ID=", StringComparison.Ordinal))
                {
                    version = line["VERSION_ID=".Length..].Trim('"');
                }
            }
        }
        return (pretty, version);
    }

    private static long ReadMemTotal()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                string kb = line["MemTotal:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lcrun.Io;

/// <summary>
/// The fds lcrun passes on to the container at 3, 4, ...: systemd's $LISTEN_FDS first, then
/// --preserve-fds N more, as runc orders them. Borrowed, never closed here.
/// </summary>
internal static class InheritedFds
{
    public static (IReadOnlyList<SafeHandle> Files, int ListenFds) Collect(int preserveFds)
    {
        if (preserveFds < 0)
        {
            throw new Cli.CliException($"invalid --preserve-fds {preserveFds}: must not be negative");
        }
        int listen = 0;
        if (Environment.GetEnvironmentVariable("LISTEN_FDS") is { Length: > 0 } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            && Environment.GetEnvironmentVariable("LISTEN_PID") is var pid
            && (string.IsNullOrEmpty(pid) || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            listen = count;
        }
        var files = new List<SafeHandle>(listen + preserveFds);
        for (int fd = 3; fd < 3 + listen + preserveFds; fd++)
        {
            if (new FileInfo($"/proc/self/fd/{fd}").LinkTarget is null)
            {
                throw new Cli.CliException($"fd {fd} is not open: --preserve-fds {preserveFds} (and LISTEN_FDS={listen}) pass fds 3 to {2 + listen + preserveFds}");
            }
            files.Add(new SafeFileHandle(fd, ownsHandle: false));
        }
        return (files, listen);
    }
}

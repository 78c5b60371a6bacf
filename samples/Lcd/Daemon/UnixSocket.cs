using System.Net.Sockets;

namespace Lcd.Daemon;

/// <summary>The API socket's file: a stale one is removed before the bind, a live one refused; after the bind it gets docker.sock's mode.</summary>
internal static class UnixSocket
{
    /// <summary>Makes the socket's directory and removes a socket file nobody listens on (a daemon killed with SIGKILL leaves one).</summary>
    public static void PrepareBind(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            return;
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }
        throw new DaemonConfigException($"host unix://{path}: another daemon is listening on this socket");
    }

    /// <summary>0660, owned by root and <paramref name="group"/> ("docker" when it exists and none is given), as dockerd leaves docker.sock.</summary>
    public static void SetAccess(string path, string? group)
    {
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        int? gid = GroupId(group ?? "docker");
        if (gid is null && group is not null)
        {
            throw new DaemonConfigException($"group '{group}': no such group in /etc/group");
        }
        if (gid is int id)
        {
            Interop.Libc.Chown(path, 0, (uint)id);
        }
    }

    private static int? GroupId(string name)
    {
        if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int numeric))
        {
            return numeric;
        }
        foreach (string line in File.ReadLines("/etc/group"))
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name)
            {
                return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}

using System.Runtime.InteropServices;

namespace Lcd.Graph.Interop;

/// <summary>The new mount API (fsopen, fsconfig, fsmount, move_mount): overlayfs' lowerdir+ takes one layer per call (Linux 6.8+).</summary>
internal static unsafe partial class MountApi
{
    private const long SYS_move_mount = 429, SYS_fsopen = 430, SYS_fsconfig = 431, SYS_fsmount = 432;
    private const uint FSOPEN_CLOEXEC = 1, FSMOUNT_CLOEXEC = 1;
    private const uint FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6;
    private const uint MOVE_MOUNT_F_EMPTY_PATH = 4;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_fsopen(long n, byte* fsname, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_fsconfig(long n, int fd, uint cmd, byte* key, byte* value, int aux);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_fsmount(long n, int fd, uint flags, uint attrFlags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_move_mount(long n, int fromDirfd, byte* fromPath, int toDirfd, byte* toPath, uint flags);

    /// <summary>Mounts a filesystem of <paramref name="type"/> at <paramref name="target"/> with string options given one by one (a key may repeat).</summary>
    public static void Mount(string type, string target, IEnumerable<(string Key, string? Value)> options)
    {
        long fs;
        fixed (byte* t = Native.CString(type))
        {
            fs = syscall_fsopen(SYS_fsopen, t, FSOPEN_CLOEXEC);
        }
        if (fs < 0)
        {
            throw new GraphIOException($"fsopen({type})", Native.Errno, target);
        }
        using var fsFd = new SafeFd((int)fs);
        foreach ((string key, string? value) in options)
        {
            long rc;
            fixed (byte* k = Native.CString(key))
            fixed (byte* v = value is null ? null : Native.CString(value))
            {
                rc = syscall_fsconfig(SYS_fsconfig, fsFd.Fd, value is null ? 0u /* FSCONFIG_SET_FLAG */ : FSCONFIG_SET_STRING, k, v, 0);
            }
            if (rc < 0)
            {
                throw new GraphIOException($"fsconfig({key})", Native.Errno, value);
            }
        }
        if (syscall_fsconfig(SYS_fsconfig, fsFd.Fd, FSCONFIG_CMD_CREATE, null, null, 0) < 0)
        {
            throw new GraphIOException($"fsconfig(FSCONFIG_CMD_CREATE, {type})", Native.Errno, target);
        }
        long mnt = syscall_fsmount(SYS_fsmount, fsFd.Fd, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0)
        {
            throw new GraphIOException("fsmount", Native.Errno, target);
        }
        using var mntFd = new SafeFd((int)mnt);
        long moved;
        byte empty = 0;
        fixed (byte* to = Native.CString(target))
        {
            moved = syscall_move_mount(SYS_move_mount, mntFd.Fd, &empty, Native.AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH);
        }
        if (moved < 0)
        {
            throw new GraphIOException("move_mount", Native.Errno, target);
        }
    }
}

using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    private const uint IN_MODIFY = 0x00000002;
    private const uint IN_DELETE_SELF = 0x00000400;
    private const int IN_CLOEXEC = 0x80000;
    private const int IN_NONBLOCK = 0x800;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int inotify_init1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int inotify_add_watch(int fd, byte* path, uint mask);

    /// <summary>A non-blocking eventfd (the counter cgroup v1 notifications add to).</summary>
    internal static SafeFd EventFd()
    {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        SyscallException.ThrowIfFailed(fd, "eventfd");
        return new SafeFd(fd);
    }

    /// <summary>A non-blocking inotify fd watching one file for modification.</summary>
    internal static SafeFd InotifyWatch(string path)
    {
        int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        SyscallException.ThrowIfFailed(fd, "inotify_init1");
        var handle = new SafeFd(fd);
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            if (inotify_add_watch(fd, ptr, IN_MODIFY | IN_DELETE_SELF) < 0)
            {
                int errno = Errno;
                handle.Dispose();
                throw new SyscallException("inotify_add_watch", errno, path);
            }
        }
        return handle;
    }
}

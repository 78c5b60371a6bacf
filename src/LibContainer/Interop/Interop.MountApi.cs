using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    private const long SYS_open_tree = 428;
    private const long SYS_mount_setattr = 442;
    private const uint OPEN_TREE_CLONE = 1;
    private const uint OPEN_TREE_CLOEXEC = 0x80000;
    private const uint AT_RECURSIVE = 0x8000;
    private const uint AT_EMPTY_PATH = 0x1000;
    private const ulong MOUNT_ATTR_IDMAP = 0x00100000;

    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet;
        public ulong AttrClr;
        public ulong Propagation;
        public ulong UsernsFd;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_open_tree(long number, int dirfd, byte* path, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_mount_setattr(long number, int dirfd, byte* path, uint flags, MountAttr* attr, nuint size);

    /// <summary>
    /// A detached copy of the mount tree at <paramref name="source"/> (open_tree OPEN_TREE_CLONE), id-mapped
    /// through the user namespace <paramref name="userns"/> (mount_setattr MOUNT_ATTR_IDMAP).
    /// </summary>
    internal static SafeFd IdMappedTree(string source, bool recursive, bool recursiveIdMap, SafeFd userns)
    {
        byte[] path = CString(source);
        long fd;
        fixed (byte* p = path)
        {
            fd = syscall_open_tree(SYS_open_tree, LibC.AT_FDCWD, p, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        }
        if (fd < 0)
        {
            throw new SyscallException("open_tree", Errno, source);
        }
        var tree = new SafeFd((int)fd);
        MountAttr attr = new() { AttrSet = MOUNT_ATTR_IDMAP, UsernsFd = (ulong)userns.Fd };
        byte empty = 0;
        long rc = syscall_mount_setattr(SYS_mount_setattr, tree.Fd, &empty, AT_EMPTY_PATH | (recursiveIdMap ? AT_RECURSIVE : 0), &attr, (nuint)sizeof(MountAttr));
        if (rc < 0)
        {
            int errno = Errno;
            tree.Dispose();
            throw new SyscallException("mount_setattr(MOUNT_ATTR_IDMAP)", errno, source,
                errno == LibC.EINVAL ? "The source's filesystem may not support id-mapped mounts." : null);
        }
        return tree;
    }
}

using System.Runtime.InteropServices;
using System.Text;

namespace Lcd.Graph.Interop;

/// <summary>
/// The few calls the graph driver makes on its own (the library exposes containers, not files):
/// *at calls relative to a directory fd, openat2 to resolve a path beneath a root without
/// following symlinks, xattrs, device nodes, and mounts. Every fd is CLOEXEC; EINTR is retried.
/// </summary>
internal static unsafe partial class Native
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    public const int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200;
    public const int O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    public const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;
    public const uint S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFDIR = 0x4000, S_IFBLK = 0x6000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFMT = 0xF000;
    public const int ENOENT = 2, EINTR = 4, EAGAIN = 11, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EXDEV = 18, ENODATA = 61;
    public const long UTIME_OMIT = (1L << 30) - 2;

    private const long SYS_openat2 = 437;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_openat2(long number, int dirfd, byte* path, OpenHow* how, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int openat(int dirfd, byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdirat(int dirfd, byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mknodat(int dirfd, byte* path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlinkat(byte* target, int dirfd, byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlinkat(int dirfd, byte* path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int renameat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchownat(int dirfd, byte* path, uint owner, uint group, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmodat(int dirfd, byte* path, uint mode, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int utimensat(int dirfd, byte* path, Timespec* times, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsetxattr(int fd, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint llistxattr(byte* path, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mount(byte* source, byte* target, byte* type, ulong flags, byte* data);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int umount2(byte* target, int flags);

    public static byte[] CString(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private static int Check(int rc, string call, string? path)
    {
        if (rc < 0)
        {
            throw new GraphIOException(call, Errno, path);
        }
        return rc;
    }

    /// <summary>
    /// Opens <paramref name="path"/> beneath <paramref name="root"/> with openat2: RESOLVE_BENEATH and
    /// RESOLVE_NO_SYMLINKS refuse `..` out of the root and any symlink on the way (ELOOP/EXDEV).
    /// </summary>
    public static SafeFd OpenBeneath(SafeFd root, string path, int flags, ulong resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, uint mode = 0)
    {
        byte[] p = CString(path.Length == 0 ? "." : path);
        OpenHow how = new() { Flags = (ulong)(flags | O_CLOEXEC), Mode = mode, Resolve = resolve };
        long fd;
        int errno = 0;
        fixed (byte* pp = p)
        {
            // EAGAIN: a rename or mount anywhere on the host raced a ".." of the walk (RESOLVE_IN_ROOT,
            // RESOLVE_BENEATH); openat2(2) says retry, as libpathrs does. Bounded: a host that mounts
            // without pause still gets an error.
            for (int again = 0; ; again++)
            {
                fd = syscall_openat2(SYS_openat2, root.Fd, pp, &how, (nuint)sizeof(OpenHow));
                errno = fd < 0 ? Errno : 0;
                if (!(errno == EINTR || (errno == EAGAIN && again < 256)))
                {
                    break;
                }
            }
        }
        if (fd < 0)
        {
            throw new GraphIOException("openat2", errno, path);
        }
        return new SafeFd((int)fd);
    }

    public static SafeFd Open(string path, int flags, uint mode = 0) => OpenAt(null, path, flags, mode);

    public static SafeFd OpenAt(SafeFd? dir, string name, int flags, uint mode = 0)
    {
        byte[] p = CString(name);
        int fd;
        fixed (byte* pp = p)
        {
            do
            {
                fd = openat(dir?.Fd ?? AT_FDCWD, pp, flags | O_CLOEXEC, mode);
            }
            while (fd < 0 && Errno == EINTR);
        }
        if (fd < 0)
        {
            throw new GraphIOException("openat", Errno, name);
        }
        return new SafeFd(fd);
    }

    /// <summary>openat that returns the errno instead of throwing (for "does it exist", "is something there").</summary>
    public static int TryOpenAt(SafeFd dir, string name, int flags, out SafeFd? fd, uint mode = 0)
    {
        byte[] p = CString(name);
        int rc;
        int errno = 0;
        fixed (byte* pp = p)
        {
            do
            {
                rc = openat(dir.Fd, pp, flags | O_CLOEXEC, mode);
                errno = rc < 0 ? Errno : 0;
            }
            while (errno == EINTR);
        }
        if (rc < 0)
        {
            fd = null;
            return errno;
        }
        fd = new SafeFd(rc);
        return 0;
    }

    public static void CloseFd(int fd) => close(fd);

    public static int MkdirAt(SafeFd dir, string name, uint mode)
    {
        fixed (byte* p = CString(name))
        {
            return mkdirat(dir.Fd, p, mode) < 0 ? Errno : 0;
        }
    }

    public static void MknodAt(SafeFd dir, string name, uint mode, uint major, uint minor)
    {
        ulong dev = ((ulong)(major & 0xfff) << 8) | (minor & 0xff) | ((ulong)(minor & ~0xffu) << 12) | ((ulong)(major & ~0xfffu) << 32);
        fixed (byte* p = CString(name))
        {
            Check(mknodat(dir.Fd, p, mode, dev), "mknodat", name);
        }
    }

    public static void SymlinkAt(string target, SafeFd dir, string name)
    {
        fixed (byte* t = CString(target))
        fixed (byte* p = CString(name))
        {
            Check(symlinkat(t, dir.Fd, p), "symlinkat", name);
        }
    }

    public static void LinkAt(SafeFd oldDir, string oldName, SafeFd newDir, string newName)
    {
        fixed (byte* o = CString(oldName))
        fixed (byte* n = CString(newName))
        {
            Check(linkat(oldDir.Fd, o, newDir.Fd, n, 0), "linkat", newName);
        }
    }

    /// <summary>unlinkat; returns the errno (0 on success).</summary>
    public static int UnlinkAt(SafeFd dir, string name, bool directory)
    {
        fixed (byte* p = CString(name))
        {
            return unlinkat(dir.Fd, p, directory ? AT_REMOVEDIR : 0) < 0 ? Errno : 0;
        }
    }

    public static void RenameAt(SafeFd oldDir, string oldName, SafeFd newDir, string newName)
    {
        fixed (byte* o = CString(oldName))
        fixed (byte* n = CString(newName))
        {
            Check(renameat(oldDir.Fd, o, newDir.Fd, n), "renameat", newName);
        }
    }

    public static void FchownAt(SafeFd dir, string name, uint uid, uint gid)
    {
        fixed (byte* p = CString(name))
        {
            Check(fchownat(dir.Fd, p, uid, gid, AT_SYMLINK_NOFOLLOW), "fchownat", name);
        }
    }

    public static void Fchown(SafeFd fd, uint uid, uint gid, string what)
    {
        byte empty = 0;
        Check(fchownat(fd.Fd, &empty, uid, gid, AT_EMPTY_PATH), "fchown", what);
    }

    public static void Fchmod(SafeFd fd, uint mode, string what) => Check(fchmod(fd.Fd, mode), "fchmod", what);

    public static void FchmodAt(SafeFd dir, string name, uint mode)
    {
        fixed (byte* p = CString(name))
        {
            Check(fchmodat(dir.Fd, p, mode, 0), "fchmodat", name);
        }
    }

    /// <summary>Sets atime and mtime (nanoseconds since the epoch) of name in dir, not following a symlink.</summary>
    public static void UtimensAt(SafeFd dir, string name, long atimeNs, long mtimeNs)
    {
        Timespec* times = stackalloc Timespec[2];
        times[0] = new Timespec { Sec = atimeNs / 1_000_000_000, Nsec = atimeNs % 1_000_000_000 };
        times[1] = new Timespec { Sec = mtimeNs / 1_000_000_000, Nsec = mtimeNs % 1_000_000_000 };
        fixed (byte* p = CString(name.Length == 0 ? "." : name))
        {
            Check(utimensat(dir.Fd, p, times, AT_SYMLINK_NOFOLLOW), "utimensat", name);
        }
    }

    public static void FSetXattr(SafeFd fd, string name, ReadOnlySpan<byte> value, string what)
    {
        fixed (byte* n = CString(name))
        fixed (byte* v = value)
        {
            Check(fsetxattr(fd.Fd, n, v, (nuint)value.Length, 0), $"fsetxattr({name})", what);
        }
    }

    public static void LSetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = CString(path))
        fixed (byte* n = CString(name))
        fixed (byte* v = value)
        {
            Check(lsetxattr(p, n, v, (nuint)value.Length, 0), $"lsetxattr({name})", path);
        }
    }

    /// <summary>The value of an xattr of path (not followed), or null when it has none.</summary>
    public static byte[]? LGetXattr(string path, string name)
    {
        byte[] p = CString(path), n = CString(name);
        fixed (byte* pp = p)
        fixed (byte* pn = n)
        {
            nint size = lgetxattr(pp, pn, null, 0);
            if (size < 0)
            {
                int errno = Errno;
                return errno is ENODATA or 95 /* EOPNOTSUPP */ ? null : throw new GraphIOException($"lgetxattr({name})", errno, path);
            }
            byte[] value = new byte[size];
            fixed (byte* v = value)
            {
                size = lgetxattr(pp, pn, v, (nuint)value.Length);
            }
            return size < 0 ? throw new GraphIOException($"lgetxattr({name})", Errno, path) : value.AsSpan(0, (int)size).ToArray();
        }
    }

    /// <summary>The names of path's xattrs (not followed).</summary>
    public static string[] LListXattr(string path)
    {
        byte[] p = CString(path);
        fixed (byte* pp = p)
        {
            nint size = llistxattr(pp, null, 0);
            if (size <= 0)
            {
                return size == 0 || Errno == 95 ? [] : throw new GraphIOException("llistxattr", Errno, path);
            }
            byte[] list = new byte[size];
            fixed (byte* l = list)
            {
                size = llistxattr(pp, l, (nuint)list.Length);
            }
            if (size < 0)
            {
                throw new GraphIOException("llistxattr", Errno, path);
            }
            return Encoding.UTF8.GetString(list, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    /// <summary>Writes all of <paramref name="data"/>.</summary>
    public static void WriteAll(SafeFd fd, ReadOnlySpan<byte> data, string what)
    {
        fixed (byte* start = data)
        {
            byte* p = start;
            nuint left = (nuint)data.Length;
            while (left > 0)
            {
                nint n = write(fd.Fd, p, left);
                if (n < 0)
                {
                    if (Errno == EINTR)
                    {
                        continue;
                    }
                    throw new GraphIOException("write", Errno, what);
                }
                p += n;
                left -= (nuint)n;
            }
        }
    }

    public static void Mount(string? source, string target, string? type, ulong flags, string? data)
    {
        byte[]? s = source is null ? null : CString(source), t = CString(target), ty = type is null ? null : CString(type), d = data is null ? null : CString(data);
        fixed (byte* ps = s)
        fixed (byte* pt = t)
        fixed (byte* pty = ty)
        fixed (byte* pd = d)
        {
            Check(mount(ps, pt, pty, flags, pd), $"mount({type})", target);
        }
    }

    /// <summary>umount2 with MNT_DETACH; returns the errno (0 on success).</summary>
    public static int Unmount(string target)
    {
        fixed (byte* t = CString(target))
        {
            return umount2(t, 2 /* MNT_DETACH */) < 0 ? Errno : 0;
        }
    }
}

internal static unsafe partial class Native
{
    /// <summary>struct stat (x86_64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public ulong Nlink;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        private readonly int _pad;
        public ulong Rdev;
        public long Size;
        public long Blksize;
        public long Blocks;
        public Timespec Atime;
        public Timespec Mtime;
        public Timespec Ctime;
        private readonly long _reserved0, _reserved1, _reserved2;

        public readonly uint Type => Mode & S_IFMT;
        public readonly uint Major => (uint)(((Rdev >> 32) & 0xfffff000) | ((Rdev >> 8) & 0xfff));
        public readonly uint Minor => (uint)(((Rdev >> 12) & 0xffffff00) | (Rdev & 0xff));
    }

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static partial int lstat_(byte* path, Stat* buf);

    /// <summary>lstat(2).</summary>
    public static Stat LStat(string path)
    {
        Stat st;
        fixed (byte* p = CString(path))
        {
            Check(lstat_(p, &st), "lstat", path);
        }
        return st;
    }

    /// <summary>lstat(2); false when nothing is there.</summary>
    public static bool TryLStat(string path, out Stat st)
    {
        Stat s;
        int rc;
        fixed (byte* p = CString(path))
        {
            rc = lstat_(p, &s);
        }
        st = s;
        if (rc < 0 && Errno is not (ENOENT or ENOTDIR))
        {
            throw new GraphIOException("lstat", Errno, path);
        }
        return rc == 0;
    }
}

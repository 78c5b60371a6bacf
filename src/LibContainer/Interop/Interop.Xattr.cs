using System.Runtime.InteropServices;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    private const int XATTR_CREATE = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getxattr(byte* path, byte* name, byte* value, nuint size);

    /// <summary>
    /// setxattr(XATTR_CREATE): 0 when set, else the errno (EEXIST: set already; EOPNOTSUPP: the file
    /// system keeps no such attribute; ENOENT: the path is gone).
    /// </summary>
    internal static int CreateXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        byte[] p = CString(path);
        byte[] n = CString(name);
        fixed (byte* pp = p, pn = n, pv = value)
        {
            while (true)
            {
                if (setxattr(pp, pn, pv, (nuint)value.Length, XATTR_CREATE) == 0)
                {
                    return 0;
                }
                int errno = Errno;
                if (errno != EINTR)
                {
                    return errno;
                }
            }
        }
    }

    /// <summary>getxattr of a small value (at most 255 bytes): null when absent, unsupported or the path is gone.</summary>
    internal static byte[]? TryGetXattr(string path, string name)
    {
        byte[] p = CString(path);
        byte[] n = CString(name);
        byte* value = stackalloc byte[255];
        fixed (byte* pp = p, pn = n)
        {
            nint size = getxattr(pp, pn, value, 255);
            return size < 0 ? null : new ReadOnlySpan<byte>(value, (int)size).ToArray();
        }
    }
}

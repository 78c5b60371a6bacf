using System.Runtime.InteropServices;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int link(byte* oldPath, byte* newPath);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lchown(byte* path, uint owner, uint group);

    /// <summary>link(2): a hard link <paramref name="newPath"/> to <paramref name="oldPath"/>.</summary>
    internal static void Link(string oldPath, string newPath)
    {
        byte[] from = CString(oldPath);
        byte[] to = CString(newPath);
        fixed (byte* f = from)
        fixed (byte* t = to)
        {
            SyscallException.ThrowIfFailed(link(f, t), "link", newPath);
        }
    }

    /// <summary>lchown(2): the owner of <paramref name="path"/> itself (a symbolic link is not followed).</summary>
    internal static void Lchown(string path, uint owner, uint group)
    {
        byte[] p = CString(path);
        fixed (byte* ptr = p)
        {
            SyscallException.ThrowIfFailed(lchown(ptr, owner, group), "lchown", path);
        }
    }
}

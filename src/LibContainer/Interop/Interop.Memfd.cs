using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    /// <summary>
    /// A sealed, in-memory copy of a file: memfd_create, write, then seal against any write, growth,
    /// shrinking or further sealing. Executing the copy means no container can overwrite the host's
    /// binary through /proc/self/exe (CVE-2019-5736), and the file's own mode bits do not matter.
    /// </summary>
    internal static SafeFd SealedCopy(string path, string name)
    {
        byte[] content = File.ReadAllBytes(path);
        byte[] n = CString(name);
        int fd;
        fixed (byte* p = n)
        {
            fd = LibC.memfd_create(p, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        }
        SyscallException.ThrowIfFailed(fd, "memfd_create", path);
        var memfd = new SafeFd(fd);
        try
        {
            ReadOnlySpan<byte> rest = content;
            while (!rest.IsEmpty)
            {
                int written = Write(memfd, rest);
                if (written < 0)
                {
                    throw new SyscallException("write", -written, $"memfd copy of {path}");
                }
                rest = rest[written..];
            }
            int seals = LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE;
            SyscallException.ThrowIfFailed(LibC.fcntl(fd, LibC.F_ADD_SEALS, seals), "fcntl(F_ADD_SEALS)", path);
            return memfd;
        }
        catch
        {
            memfd.Dispose();
            throw;
        }
    }
}

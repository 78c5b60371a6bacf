using Tmds.Linux;

namespace LibContainer.Interop;

internal static unsafe partial class Sys
{
    /// <summary>
    /// A sealed, in-memory copy of a file: memfd_create, write, then seal against any write, growth,
    /// shrinking or further sealing. Executing the copy means no container can overwrite the host's
    /// binary through /proc/self/exe (CVE-2019-5736), and the file's own mode bits do not matter.
    /// </summary>
    /// <summary>memfd_create(MFD_CLOEXEC): an anonymous in-memory file.</summary>
    internal static SafeFd MemfdCreate(string name)
    {
        byte[] n = CString(name);
        fixed (byte* p = n)
        {
            int fd = LibC.memfd_create(p, LibC.MFD_CLOEXEC);
            SyscallException.ThrowIfFailed(fd, "memfd_create", name);
            return new SafeFd(fd);
        }
    }

    /// <summary>Everything in a file from its start (pread, so the offset does not matter).</summary>
    internal static byte[] ReadAll(SafeFd fd)
    {
        var content = new List<byte>();
        byte[] buffer = new byte[16384];
        long offset = 0;
        while (true)
        {
            long n;
            fixed (byte* b = buffer)
            {
                n = LibC.pread(fd.Fd, b, buffer.Length, offset);
            }
            if (n < 0)
            {
                if (Errno == EINTR)
                {
                    continue;
                }
                throw new SyscallException("pread", Errno);
            }
            if (n == 0)
            {
                return [.. content];
            }
            content.AddRange(buffer.AsSpan(0, (int)n));
            offset += n;
        }
    }

    internal static SafeFd SealedCopy(string path, string name)
    {
        using SafeFd source = Open(path, LibC.O_RDONLY);
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
            SendFile(memfd, source, $"memfd copy of {path}"); // in the kernel: no buffer of the binary's size here
            int seals = LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE;
            SyscallException.ThrowIfFailed(LibC.fcntl(fd, LibC.F_ADD_SEALS, seals), "fcntl(F_ADD_SEALS)", path);
            // No dup to a high fd number here: raising the fd table above its 64 slots in a process whose
            // threads share it waits for an RCU grace period (expand_fdtable), ~15 ms on a loaded 2-vCPU
            // VM. The spawn places the copy above the child's other fds instead (InitSession.Spawn).
            return memfd;
        }
        catch
        {
            memfd.Dispose();
            throw;
        }
    }
}
